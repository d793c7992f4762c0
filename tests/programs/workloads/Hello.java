// A Java program with a thread: prints what the thread computed.
public class Hello {
    public static void main(String[] args) throws Exception {
        long[] out = new long[1];
        Thread t = new Thread(() -> out[0] = fib(27));
        t.start();
        t.join();
        System.out.println("fib(27) from a thread: " + out[0]);
        System.out.println("nanoTime parity: " + (System.nanoTime() & 1));
    }

    static long fib(int n) {
        return n < 2 ? n : fib(n - 1) + fib(n - 2);
    }
}
