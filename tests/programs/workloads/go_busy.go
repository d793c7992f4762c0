// go_busy: eight goroutines in busy loops with no call in them, run by four
// threads (GOMAXPROCS=4): the Go runtime preempts them with SIGURG and
// switches goroutines in user space, so a thread's stretch between two
// syscalls runs the loops of several goroutines. Prints each goroutine's
// result (always the same) and the total.
package main

import (
	"fmt"
	"sync"
)

func work(id int, n int) int {
	s := 0
	for i := 1; i <= n; i++ {
		s += (i * id) % (i%7 + 1)
		s ^= i / (id + 1)
	}
	return s
}

func main() {
	var wg sync.WaitGroup
	results := make([]int, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			results[id] = work(id+1, 1500000)
		}(g)
	}
	wg.Wait()
	total := 0
	for i, r := range results {
		fmt.Printf("goroutine %d: %d\n", i, r)
		total += r
	}
	fmt.Println("total", total)
}
