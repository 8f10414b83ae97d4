/*
 * assert_no_leaks(): in AddressSanitizer builds, runs LeakSanitizer now and
 * fails the current test if anything allocated is unreachable; elsewhere a
 * no-op. Needed because a leak reported at process exit does not fail a
 * Criterion test (measured: the report is printed, the test still passes).
 * Header-only, for the suites of tests/sim.
 */
#ifndef TESTS_SIM_LEAK_CHECK_H
#define TESTS_SIM_LEAK_CHECK_H
#include <criterion/criterion.h>
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
static inline void assert_no_leaks(void)
{
    cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, "memory leaked (LeakSanitizer report above)");
}
#else
static inline void assert_no_leaks(void) {}
#endif
#endif
