/*
 * hostio_lib: a shared library of the test's own (built by
 * tests/gdb_protocol.rs into libhostio.so), so that the test can delete it
 * after the recording and check that the debugger still gets it from the
 * trace.
 */
int hostio_twice(int x)
{
    int doubled = x * 2; /* marker: twice */
    return doubled;
}
