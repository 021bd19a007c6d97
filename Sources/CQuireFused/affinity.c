#define _GNU_SOURCE
#include "quire_fused.h"
#include <sched.h>

// Moves the calling thread off `cpu` without pinning it: the thread's CPU mask is narrowed to exclude
// `cpu` (the kernel migrates a running thread at once when its CPU leaves its mask) and then put back
// as it was, which moves nothing since the thread's new CPU is in the old mask. Returns 1 when the
// thread moved; 0 when it cannot (its mask allows only `cpu`, or a call failed), leaving the mask as
// it was.
int quire_move_off_cpu(int cpu) {
    cpu_set_t original, away;
    if (cpu < 0 || cpu >= CPU_SETSIZE) return 0;
    if (sched_getaffinity(0, sizeof original, &original) != 0) return 0;
    if (!CPU_ISSET(cpu, &original) || CPU_COUNT(&original) < 2) return 0;
    away = original;
    CPU_CLR(cpu, &away);
    if (sched_setaffinity(0, sizeof away, &away) != 0) return 0;
    int moved = sched_getcpu() != cpu;
    sched_setaffinity(0, sizeof original, &original);
    return moved;
}

int quire_current_cpu(void) { return sched_getcpu(); }
