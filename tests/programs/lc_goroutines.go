// lc_goroutines: many goroutines that compute and make syscalls, so that
// the Go runtime preempts them with SIGURG while they spin or sit at
// syscalls.
//
// Sixteen goroutines each run rounds of a long busy loop (a checksum, no
// function calls: only an asynchronous preemption can stop it), a
// getppid, a short sleep and a channel exchange with the main goroutine.
// The number of rounds is the first argument (default 6).
// Prints each goroutine's checksum (always the same) and "done".
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

const workers = 16

func spin(seed uint64, n int) uint64 {
	s := seed
	for i := 0; i < n; i++ {
		s = s*6364136223846793005 + uint64(i)
	}
	return s
}

func main() {
	rounds := 6
	if len(os.Args) > 1 {
		if n, err := strconv.Atoi(os.Args[1]); err == nil && n > 0 {
			rounds = n
		}
	}
	sums := make([]uint64, workers)
	tick := make(chan int)
	done := make(chan int)
	for w := 0; w < workers; w++ {
		go func(w int) {
			s := uint64(w + 1)
			for r := 0; r < rounds; r++ {
				s = spin(s, 3000000)
				if os.Getppid() == 0 {
					s++
				}
				time.Sleep(100 * time.Microsecond)
				<-tick
			}
			sums[w] = s
			done <- w
		}(w)
	}
	for i := 0; i < workers*rounds; i++ {
		tick <- i
	}
	for i := 0; i < workers; i++ {
		<-done
	}
	for w := 0; w < workers; w++ {
		fmt.Printf("goroutine %d checksum %016x\n", w, sums[w])
	}
	fmt.Println("done")
}
