#define _GNU_SOURCE
#include "sampler_internal.h"
#include "hotpath_sampler.h"
#include "hotpath_threads.h"

// The one SIGPROF handler: a signal is either a one-off capture the watchdog asked for (the
// stack of a stalled, running thread) or one of the sampler's, handed to its ring.

#if defined(__linux__) && defined(__x86_64__)

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

static _Atomic int32_t capture_tid;
static _Atomic int capture_done;
static uintptr_t capture_task;
// swift_task_getCurrent, found at install time: which Swift task the signalled thread runs
// (a thread-local read in the runtime).
static void *(*current_task_function)(void);
static uintptr_t capture_frames[HOTPATH_SAMPLE_MAX_FRAMES];
static int capture_depth;
static int capture_async_from;
static pthread_mutex_t capture_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_signal(int signal, siginfo_t *info, void *raw_context) {
    (void)signal;
    (void)info;
    int saved_errno = errno;
    const ucontext_t *context = raw_context;
    int32_t tid = (int32_t)syscall(SYS_gettid);
    if (atomic_load(&capture_tid) == tid && !atomic_load(&capture_done)) {
        uint8_t async_from = 0;
        capture_depth = capture_from_context(context, capture_frames, HOTPATH_SAMPLE_MAX_FRAMES, &async_from);
        capture_async_from = async_from;
        capture_task = current_task_function ? (uintptr_t)current_task_function() : 0;
        atomic_store(&capture_done, 1);
    } else {
        sampler_on_signal(tid, context);
    }
    errno = saved_errno;
}

static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;
static int handler_installed;

void install_handler(void) {
    pthread_mutex_lock(&install_lock);
    if (!handler_installed) {
        walk_prepare();
        current_task_function = (void *(*)(void))dlsym(RTLD_DEFAULT, "swift_task_getCurrent");
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_sigaction = on_signal;
        action.sa_flags = SA_SIGINFO | SA_RESTART;
        sigemptyset(&action.sa_mask);
        sigaction(SIGPROF, &action, NULL);
        handler_installed = 1;
    }
    pthread_mutex_unlock(&install_lock);
}

int hotpath_capture_thread_task(int32_t tid, uintptr_t *out, int max, int *on_cpu, int *async_from, uint64_t timeout_ns,
                                uintptr_t *task) {
    if (task) *task = 0;
    install_handler();
    if (max <= 0) return 0;
    if (max > HOTPATH_SAMPLE_MAX_FRAMES) max = HOTPATH_SAMPLE_MAX_FRAMES;
    pthread_mutex_lock(&capture_lock);
    int count = 0;
    char state = thread_state(tid);
    if (state == 'R') {
        atomic_store(&capture_done, 0);
        atomic_store(&capture_tid, tid);
        if (syscall(SYS_tgkill, walk_process_id, tid, SIGPROF) == 0) {
            uint64_t deadline = monotonic_now() + timeout_ns;
            while (!atomic_load(&capture_done) && monotonic_now() < deadline) {
                struct timespec pause = {0, 20000};
                nanosleep(&pause, NULL);
            }
        }
        atomic_store(&capture_tid, 0);
        if (atomic_load(&capture_done)) {
            count = capture_depth < max ? capture_depth : max;
            memcpy(out, capture_frames, (size_t)count * sizeof(uintptr_t));
            *async_from = capture_async_from < count ? capture_async_from : count;
            *on_cpu = 1;
            if (task) *task = capture_task;
        }
    }
    if (count == 0 && state != 0) {
        count = capture_blocked(tid, out, max);
        *async_from = count;
        *on_cpu = 0;
    }
    pthread_mutex_unlock(&capture_lock);
    return count;
}

#else

int hotpath_capture_thread_task(int32_t tid, uintptr_t *out, int max, int *on_cpu, int *async_from, uint64_t timeout_ns,
                                uintptr_t *task) {
    (void)tid; (void)out; (void)max; (void)on_cpu; (void)async_from; (void)timeout_ns;
    if (task) *task = 0;
    return 0;
}

#endif
