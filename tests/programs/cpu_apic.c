/*
 * cpu_apic: prints which CPU core runs it, as CPUID tells: the initial
 * APIC id of leaf 1 (EBX bits 31-24) and the x2APIC id of leaf 0xb (EDX).
 * Recorded on one core and replayed on another, these differ unless the
 * replay binds to the recorded core or replays the recorded CPUID answers.
 * Also prints the vendor string (leaf 0) and a feature word (leaf 7).
 */
#include <cpuid.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    unsigned a, b, c, d;
    char vendor[13];

    __cpuid(0, a, b, c, d);
    unsigned max = a;
    memcpy(vendor, &b, 4);
    memcpy(vendor + 4, &d, 4);
    memcpy(vendor + 8, &c, 4);
    vendor[12] = 0;
    printf("vendor %s, max leaf %#x\n", vendor, max);

    __cpuid_count(1, 0, a, b, c, d);
    printf("leaf 1: apic id %u, features %08x %08x\n", b >> 24, c, d);

    if (max >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        printf("leaf 7: %08x %08x %08x\n", b, c, d);
    }
    if (max >= 0xb) {
        __cpuid_count(0xb, 0, a, b, c, d);
        printf("leaf 0xb: x2apic id %u\n", d);
    }
    return 0;
}
