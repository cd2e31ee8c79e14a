#define _GNU_SOURCE
#include "sampler_internal.h"
#include "hotpath_sampler.h"
#include "hotpath_stacks.h"
#include "hotpath_threads.h"

// The profiler's sampler: a pacing thread signals each running thread that used CPU since its
// previous sample (its handler walks its own stack into a ring), and reads blocked threads'
// stacks from /proc without a signal.

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

// The ring of samples: many signal handlers write, one reader drains.

static hotpath_sample *ring;
static _Atomic uint64_t *ring_sequence;
static uint32_t ring_capacity;
static _Atomic uint64_t write_index;
static _Atomic uint64_t read_index;
static _Atomic uint64_t dropped_samples;
static _Atomic int sampling;
static uint64_t cpu_interval_ns;
static uint64_t offcpu_interval_ns;
static int32_t only_tid;

static hotpath_sample *claim_slot(uint64_t *index) {
    uint64_t claimed = atomic_load_explicit(&write_index, memory_order_relaxed);
    do {
        if (claimed - atomic_load_explicit(&read_index, memory_order_acquire) >= ring_capacity) {
            atomic_fetch_add_explicit(&dropped_samples, 1, memory_order_relaxed);
            return NULL;
        }
    } while (!atomic_compare_exchange_weak_explicit(&write_index, &claimed, claimed + 1, memory_order_acq_rel,
                                                    memory_order_relaxed));
    *index = claimed;
    return &ring[claimed % ring_capacity];
}

static void publish_slot(uint64_t index) {
    atomic_store_explicit(&ring_sequence[index % ring_capacity], index + 1, memory_order_release);
}

// CPU time each signalled thread used since its previous sample, set by the pacing thread
// just before the signal and taken by the handler (indexed by tid, collisions only blur it).
#define WEIGHT_SLOTS 4096
static _Atomic uint64_t pending_weight[WEIGHT_SLOTS];

void sampler_on_signal(int32_t tid, const ucontext_t *context) {
    uint64_t weight = atomic_exchange_explicit(&pending_weight[(uint32_t)tid % WEIGHT_SLOTS], 0, memory_order_acq_rel);
    if (!atomic_load_explicit(&sampling, memory_order_acquire) || (only_tid && tid != only_tid) || weight == 0) return;
    uint64_t index;
    hotpath_sample *sample = claim_slot(&index);
    if (!sample) return;
    sample->timestamp_ns = monotonic_now();
    sample->weight_ns = weight;
    sample->tid = tid;
    sample->on_cpu = 1;
    uint8_t async_from = 0;
    sample->depth = (uint16_t)capture_from_context(context, sample->frames, HOTPATH_SAMPLE_MAX_FRAMES, &async_from);
    sample->async_from = async_from;
    publish_slot(index);
}

// The helper thread: per-thread CPU timers for new threads, off-CPU samples of blocked ones.

#define MAX_THREADS 1024
static struct {
    int32_t tid;
    int stat_fd;            // /proc/self/task/<tid>/stat, kept open
    int alive;
    uint64_t last_cpu_ns;   // the thread's CPU clock at its previous sample
    uint64_t last_offcpu_ns;
} threads[MAX_THREADS];
static int thread_count;
static pthread_t helper;
static _Atomic int helper_running;
static _Atomic int first_scan_done;
static int32_t helper_tid;

static int tracked(int32_t tid) {
    for (int i = 0; i < thread_count; i++) {
        if (threads[i].tid == tid) return 1;
    }
    return 0;
}

static void track(int32_t tid) {
    if (thread_count >= MAX_THREADS || tid == helper_tid || (only_tid && tid != only_tid) || tracked(tid)) return;
    // Hotpath's own threads (the watchdog, symbolication) are the tool, not the app.
    if (hotpath_is_own_thread(tid)) return;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    int slot = thread_count++;
    threads[slot].tid = tid;
    threads[slot].stat_fd = open(path, O_RDONLY | O_CLOEXEC);
    threads[slot].alive = 1;
    threads[slot].last_cpu_ns = hotpath_thread_cpu_ns(tid);
    threads[slot].last_offcpu_ns = 0;
}

// Each tick: a thread that used CPU since its previous sample and is running now is signalled;
// its handler records the stack with that CPU time as the weight. Sleeping threads are never
// signalled, so their sleeps are never cut short.
static void sample_running_threads(void) {
    for (int i = 0; i < thread_count; i++) {
        if (!threads[i].alive || hotpath_is_own_thread(threads[i].tid)) continue;
        uint64_t cpu = hotpath_thread_cpu_ns(threads[i].tid);
        if (cpu == 0) {
            threads[i].alive = 0;
            continue;
        }
        uint64_t used = cpu - threads[i].last_cpu_ns;
        if (used < cpu_interval_ns / 2) continue;
        if (state_from_fd(threads[i].stat_fd) != 'R') continue;
        threads[i].last_cpu_ns = cpu;
        atomic_store_explicit(&pending_weight[(uint32_t)threads[i].tid % WEIGHT_SLOTS], used, memory_order_release);
        syscall(SYS_tgkill, walk_process_id, threads[i].tid, SIGPROF);
    }
}

static void scan_threads(void) {
    DIR *directory = opendir("/proc/self/task");
    if (!directory) return;
    struct dirent *entry;
    while ((entry = readdir(directory)) != NULL) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
        track((int32_t)atoi(entry->d_name));
    }
    closedir(directory);
}

static void sample_blocked_threads(uint64_t now) {
    for (int i = 0; i < thread_count; i++) {
        if (!threads[i].alive || now - threads[i].last_offcpu_ns < offcpu_interval_ns || hotpath_is_own_thread(threads[i].tid)) continue;
        threads[i].last_offcpu_ns = now;
        char state = state_from_fd(threads[i].stat_fd);
        if (state != 'S' && state != 'D') continue;
        uint64_t index;
        hotpath_sample *sample = claim_slot(&index);
        if (!sample) continue;
        sample->timestamp_ns = now;
        sample->weight_ns = offcpu_interval_ns;
        sample->tid = threads[i].tid;
        sample->on_cpu = 0;
        sample->depth = (uint16_t)capture_blocked(threads[i].tid, sample->frames, HOTPATH_SAMPLE_MAX_FRAMES);
        sample->async_from = (uint8_t)sample->depth;
        publish_slot(index);
    }
}

static void *helper_main(void *unused) {
    (void)unused;
    helper_tid = (int32_t)syscall(SYS_gettid);
    hotpath_set_thread_name("hotpath-sampler");
    hotpath_mark_own_thread();
    uint64_t last_scan = 0;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    while (atomic_load(&helper_running)) {
        uint64_t now = monotonic_now();
        if (now - last_scan >= 50000000ULL) {
            scan_threads();
            last_scan = now;
            atomic_store(&first_scan_done, 1);
        }
        sample_running_threads();
        if (offcpu_interval_ns) sample_blocked_threads(now);
        // Absolute deadlines: the pace does not drift with the time spent above.
        uint64_t deadline = (uint64_t)next.tv_sec * 1000000000ULL + (uint64_t)next.tv_nsec + cpu_interval_ns;
        if (deadline < now) deadline = now + cpu_interval_ns;
        next.tv_sec = (time_t)(deadline / 1000000000ULL);
        next.tv_nsec = (long)(deadline % 1000000000ULL);
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR) {}
    }
    hotpath_unmark_own_thread();
    return NULL;
}

static pthread_mutex_t control_lock = PTHREAD_MUTEX_INITIALIZER;

int hotpath_sampler_start(const hotpath_sampler_options *options) {
    pthread_mutex_lock(&control_lock);
    if (atomic_load(&helper_running)) {
        pthread_mutex_unlock(&control_lock);
        return EBUSY;
    }
    install_handler();
    uint32_t capacity = options->capacity ? options->capacity : 8192;
    if (!ring || ring_capacity != capacity) {
        free(ring);
        free((void *)ring_sequence);
        ring = calloc(capacity, sizeof(hotpath_sample));
        ring_sequence = calloc(capacity, sizeof(uint64_t));
        if (!ring || !ring_sequence) {
            free(ring);
            free((void *)ring_sequence);
            ring = NULL;
            ring_sequence = NULL;
            pthread_mutex_unlock(&control_lock);
            return ENOMEM;
        }
        ring_capacity = capacity;
    }
    atomic_store(&write_index, 0);
    atomic_store(&read_index, 0);
    for (uint32_t i = 0; i < ring_capacity; i++) atomic_store(&ring_sequence[i], 0);
    for (uint32_t i = 0; i < WEIGHT_SLOTS; i++) atomic_store(&pending_weight[i], 0);
    atomic_store(&dropped_samples, 0);
    cpu_interval_ns = options->interval_ns ? options->interval_ns : 1000000ULL;
    offcpu_interval_ns = options->offcpu_interval_ns;
    only_tid = options->only_tid;
    thread_count = 0;
    helper_tid = 0;
    atomic_store(&first_scan_done, 0);
    atomic_store(&helper_running, 1);
    atomic_store_explicit(&sampling, 1, memory_order_release);
    if (pthread_create(&helper, NULL, helper_main, NULL) != 0) {
        atomic_store(&sampling, 0);
        atomic_store(&helper_running, 0);
        pthread_mutex_unlock(&control_lock);
        return EAGAIN;
    }
    // Wait for the first scan, so a short profile still has its timers.
    for (int i = 0; i < 2000 && !atomic_load(&first_scan_done); i++) {
        struct timespec pause = {0, 50000};
        nanosleep(&pause, NULL);
    }
    pthread_mutex_unlock(&control_lock);
    return 0;
}

void hotpath_sampler_stop(void) {
    pthread_mutex_lock(&control_lock);
    if (!atomic_load(&helper_running)) {
        pthread_mutex_unlock(&control_lock);
        return;
    }
    atomic_store(&helper_running, 0);
    pthread_join(helper, NULL);
    atomic_store_explicit(&sampling, 0, memory_order_release);
    for (int i = 0; i < thread_count; i++) {
        if (threads[i].stat_fd >= 0) close(threads[i].stat_fd);
    }
    thread_count = 0;
    pthread_mutex_unlock(&control_lock);
}

int hotpath_sampler_drain(hotpath_sample *out, int max) {
    if (!ring) return 0;
    int count = 0;
    uint64_t index = atomic_load_explicit(&read_index, memory_order_relaxed);
    while (count < max) {
        uint64_t sequence = atomic_load_explicit(&ring_sequence[index % ring_capacity], memory_order_acquire);
        if (sequence != index + 1) break;
        memcpy(&out[count], &ring[index % ring_capacity], sizeof(hotpath_sample));
        count++;
        index++;
        atomic_store_explicit(&read_index, index, memory_order_release);
    }
    return count;
}

uint64_t hotpath_sampler_dropped(void) {
    return atomic_load(&dropped_samples);
}

#else

int hotpath_sampler_start(const hotpath_sampler_options *options) { (void)options; return 95; /* EOPNOTSUPP */ }
void hotpath_sampler_stop(void) {}
int hotpath_sampler_drain(hotpath_sample *out, int max) { (void)out; (void)max; return 0; }
uint64_t hotpath_sampler_dropped(void) { return 0; }

#endif
