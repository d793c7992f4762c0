// go_exec: os/exec running three commands (the runtime forks with
// clone(CLONE_VFORK|CLONE_VM), newer Go versions with CLONE_PIDFD too),
// one with a pipe to its stdin, one writing to stderr; prints what each
// printed and how it ended.
package main

import (
	"fmt"
	"os/exec"
	"strings"
)

func main() {
	for _, c := range [][]string{{"echo", "one"}, {"sh", "-c", "echo two; echo three >&2"}, {"tr", "a-z", "A-Z"}} {
		cmd := exec.Command(c[0], c[1:]...)
		if c[0] == "tr" {
			cmd.Stdin = strings.NewReader("four\n")
		}
		out, err := cmd.CombinedOutput()
		fmt.Printf("%s: %q %v\n", c[0], out, err)
	}
}
