// Linux process control that Swift cannot call itself: prctl(2) is variadic.
#include <sys/prctl.h>

/// Orphaned descendants are re-parented to this process instead of init, so a step's escaped
/// processes (`setsid`, double forks) stay findable and can be ended. 0 on success.
static inline int rbc_become_child_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1UL, 0UL, 0UL, 0UL);
}

/// Whether this process is a child subreaper (1), is not (0), or the kernel cannot say (-1).
static inline int rbc_is_child_subreaper(void) {
    int value = 0;
    return prctl(PR_GET_CHILD_SUBREAPER, (unsigned long)&value, 0UL, 0UL, 0UL) == 0 ? value != 0 : -1;
}

/// This process's memory may hold secrets: no core file of it, and no ptrace or /proc/PID/mem by
/// other processes of its user. execve(2) resets it, so programs rbc starts dump core as usual.
/// 0 on success.
static inline int rbc_make_undumpable(void) {
    return prctl(PR_SET_DUMPABLE, 0UL, 0UL, 0UL, 0UL);
}
