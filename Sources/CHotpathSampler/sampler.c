#define _GNU_SOURCE
#include "hotpath_sampler.h"
#include "hotpath_stacks.h"

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

// ---------------------------------------------------------------------------------------------
// Reading memory without faulting, and telling where the executor's frames start.

static pid_t process_id;

static int read_safely(uintptr_t address, void *destination, size_t length) {
    struct iovec local = {destination, length};
    struct iovec remote = {(void *)address, length};
    return process_vm_readv(process_id, &local, 1, &remote, 1, 0) == (ssize_t)length;
}

// Return addresses inside these runtime functions mark the bottom of an async job: what is
// above them on the thread's stack is the executor, what called the job is in the async chain.
static uintptr_t job_start[2], job_end[2];

static void find_job_functions(void) {
    const char *names[2] = {"swift_job_run", "_ZN5swift34runJobInEstablishedExecutorContextEPNS_3JobE"};
    for (int i = 0; i < 2; i++) {
        void *address = dlsym(RTLD_DEFAULT, names[i]);
        Dl_info info;
        const ElfW(Sym) *symbol = NULL;
        if (address && dladdr1(address, &info, (void **)&symbol, RTLD_DL_SYMENT) && symbol) {
            job_start[i] = (uintptr_t)address;
            job_end[i] = (uintptr_t)address + (symbol->st_size ? symbol->st_size : 1);
        }
    }
}

static int is_job_run(uintptr_t address) {
    for (int i = 0; i < 2; i++) {
        if (address >= job_start[i] && address < job_end[i]) return 1;
    }
    return 0;
}

static int plausible_pointer(uintptr_t value) {
    return value > 0x10000 && value < 0x800000000000ULL && (value & 7) == 0;
}

// The chain of async callers from an async context: each context starts with
// { parent context, resume point of the parent }. Every hop is read safely: the register
// this came from may not hold a context at all.
static int walk_async(uintptr_t context, uintptr_t *out, int count, int max) {
    uintptr_t words[2];
    while (count < max && plausible_pointer(context) && read_safely(context, words, sizeof words)) {
        if (!plausible_pointer(words[0]) || !hotpath_is_code_address(words[1])) break;
        if (!is_job_run(words[1])) out[count++] = words[1];
        context = words[0];
    }
    return count;
}

// Frame-pointer walk from (fp), validating each new page of the stack once with a safe read.
static int walk_frames(uintptr_t fp, uintptr_t lowest, uintptr_t async_context, uintptr_t *out, int count, int max,
                       uint8_t *async_from) {
    uintptr_t validated_page = 0;
    while (count < max) {
        if (fp < lowest || (fp & 7) || fp == 0) break;
        uintptr_t words[2];
        uintptr_t page = fp & ~(uintptr_t)0xfff;
        if (page == validated_page && ((fp + 15) & ~(uintptr_t)0xfff) == page) {
            words[0] = ((const uintptr_t *)fp)[0];
            words[1] = ((const uintptr_t *)fp)[1];
        } else {
            if (!read_safely(fp, words, sizeof words)) break;
            validated_page = page;
        }
        uintptr_t return_address = words[1];
        uintptr_t next = words[0] & ~(1ULL << 60);
        if (!hotpath_is_code_address(return_address)) break;
        if (is_job_run(return_address) && async_context) {
            int before = count;
            count = walk_async(async_context, out, count, max);
            if (count > before) {
                *async_from = (uint8_t)before;
                return count;
            }
        }
        out[count++] = return_address;
        if (next <= fp || next - fp > (1u << 20)) break;
        fp = next;
    }
    return count;
}

// ---------------------------------------------------------------------------------------------
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

static uint64_t monotonic_now(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec;
}

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

// ---------------------------------------------------------------------------------------------
// A one-off capture of one thread (the watchdog asks for the stack of a stalled thread).

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

static int capture_from_context(const ucontext_t *context, uintptr_t *out, int max, uint8_t *async_from) {
    uintptr_t pc = (uintptr_t)context->uc_mcontext.gregs[REG_RIP];
    uintptr_t fp = (uintptr_t)context->uc_mcontext.gregs[REG_RBP];
    uintptr_t sp = (uintptr_t)context->uc_mcontext.gregs[REG_RSP];
    uintptr_t r14 = (uintptr_t)context->uc_mcontext.gregs[REG_R14];
    int count = 0;
    *async_from = (uint8_t)max;
    out[count++] = pc;
    // In a prologue or at a `ret`, rbp still holds the caller's frame: the caller's return
    // address is on the top of the stack, not in the chain. Code bytes are always readable.
    const unsigned char *code = (const unsigned char *)pc;
    uintptr_t top[2];
    if (hotpath_is_code_address(pc) && count < max && read_safely(sp, top, sizeof top)) {
        if (code[0] == 0x55 || code[0] == 0xc3) {            // push %rbp / ret
            if (hotpath_is_code_address(top[0])) out[count++] = top[0];
        } else if (code[0] == 0x48 && code[1] == 0x89 && code[2] == 0xe5) {   // mov %rsp,%rbp
            if (hotpath_is_code_address(top[1])) out[count++] = top[1];
        }
    }
    count = walk_frames(fp, sp, r14, out, count, max, async_from);
    if (*async_from > count) *async_from = (uint8_t)count;
    return count;
}

// CPU time each signalled thread used since its previous sample, set by the pacing thread
// just before the signal and taken by the handler (indexed by tid, collisions only blur it).
#define WEIGHT_SLOTS 4096
static _Atomic uint64_t pending_weight[WEIGHT_SLOTS];

static void on_signal(int signal, siginfo_t *info, void *raw_context) {
    (void)signal;
    (void)info;
    int saved_errno = errno;
    const ucontext_t *context = raw_context;
    int32_t tid = (int32_t)syscall(SYS_gettid);
    // A capture request for this thread (the watchdog).
    if (atomic_load(&capture_tid) == tid && !atomic_load(&capture_done)) {
        uint8_t async_from = 0;
        capture_depth = capture_from_context(context, capture_frames, HOTPATH_SAMPLE_MAX_FRAMES, &async_from);
        capture_async_from = async_from;
        capture_task = current_task_function ? (uintptr_t)current_task_function() : 0;
        atomic_store(&capture_done, 1);
        errno = saved_errno;
        return;
    }
    uint64_t weight = atomic_exchange_explicit(&pending_weight[(uint32_t)tid % WEIGHT_SLOTS], 0, memory_order_acq_rel);
    if (!atomic_load_explicit(&sampling, memory_order_acquire) || (only_tid && tid != only_tid) || weight == 0) {
        errno = saved_errno;
        return;
    }
    uint64_t index;
    hotpath_sample *sample = claim_slot(&index);
    if (sample) {
        sample->timestamp_ns = monotonic_now();
        sample->weight_ns = weight;
        sample->tid = tid;
        sample->on_cpu = 1;
        uint8_t async_from = 0;
        sample->depth = (uint16_t)capture_from_context(context, sample->frames, HOTPATH_SAMPLE_MAX_FRAMES, &async_from);
        sample->async_from = async_from;
        publish_slot(index);
    }
    errno = saved_errno;
}

// ---------------------------------------------------------------------------------------------
// Blocked threads, read from /proc without a signal (a signal would cut a sleep short).

// Reads /proc/self/task/<tid>/<name> into `buffer` (NUL-terminated); the length, or 0.
static ssize_t read_task_file(int32_t tid, const char *name, char *buffer, size_t size) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/%s", tid, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t length = read(fd, buffer, size - 1);
    close(fd);
    if (length <= 0) return 0;
    buffer[length] = 0;
    return length;
}

// The state letter of a `stat` line: the field after the parenthesised name.
static char state_from_stat(const char *stat) {
    const char *close_paren = strrchr(stat, ')');
    return close_paren && close_paren[1] == ' ' ? close_paren[2] : 0;
}

static char thread_state(int32_t tid) {
    char buffer[512];
    return read_task_file(tid, "stat", buffer, sizeof buffer) ? state_from_stat(buffer) : 0;
}

// Stack pointer and program counter of a thread blocked in the kernel (/proc/…/syscall).
static int blocked_registers(int32_t tid, uintptr_t *sp, uintptr_t *pc) {
    char buffer[512];
    if (!read_task_file(tid, "syscall", buffer, sizeof buffer)) return 0;
    if (strncmp(buffer, "running", 7) == 0) return 0;
    // "nr a1 a2 a3 a4 a5 a6 sp pc", or "-1 sp pc" when blocked outside a system call.
    unsigned long long fields[9];
    int count = 0;
    char *cursor = buffer;
    while (count < 9 && *cursor) {
        char *end;
        fields[count] = strtoull(cursor, &end, 0);
        if (end == cursor) break;
        count++;
        cursor = end;
    }
    if (count < 3) return 0;
    *sp = (uintptr_t)fields[count - 2];
    *pc = (uintptr_t)fields[count - 1];
    return *sp != 0;
}

// A code address just after a call instruction: what a return address looks like (a function
// pointer or a stale value in a local rarely does). Code bytes are always readable.
static int looks_like_return_address(uintptr_t address) {
    if (!hotpath_is_code_address(address) || !hotpath_is_code_address(address - 7)) return 0;
    const unsigned char *code = (const unsigned char *)address;
    if (code[-5] == 0xe8) return 1;                                  // call rel32
    if (code[-2] == 0xff && (code[-1] & 0x38) == 0x10) return 1;     // call *%reg
    if (code[-3] == 0xff && (code[-2] & 0x38) == 0x10) return 1;     // call *disp8(%reg)
    if (code[-6] == 0xff && (code[-5] & 0x38) == 0x10) return 1;     // call *disp32(%rip|%reg)
    if (code[-7] == 0xff && (code[-6] & 0x38) == 0x10) return 1;     // call *disp32(%reg,%idx)
    if (code[-3] == 0x41 && code[-2] == 0xff && (code[-1] & 0x38) == 0x10) return 1;  // call *%r8-15
    return 0;
}

// A saved frame pointer followed by a return address, whose own saved frame pointer holds up
// for two more records: locals that only look like a record rarely pass that.
static int is_frame_record(const uintptr_t *words, size_t available, uintptr_t sp, size_t i) {
    for (int hop = 0; hop < 3; hop++) {
        uintptr_t here = sp + i * sizeof(uintptr_t);
        uintptr_t next = words[i] & ~(1ULL << 60);
        if (next <= here || next - here >= (1u << 20) || (next & 7) || !hotpath_is_code_address(words[i + 1])) return 0;
        size_t next_index = (next - sp) / sizeof(uintptr_t);
        // Beyond the window: accept what was checked so far.
        if (next_index + 1 >= available) return hop > 0;
        i = next_index;
    }
    return 1;
}

// The frames of a blocked thread: its pc, the return addresses between sp and the first frame
// record found on its stack (the system-call wrapper keeps no frame pointer), then the chain.
static int capture_blocked(int32_t tid, uintptr_t *out, int max) {
    uintptr_t sp, pc;
    if (!blocked_registers(tid, &sp, &pc)) return 0;
    enum { WINDOW = 512 };
    uintptr_t words[WINDOW];
    size_t available = WINDOW;
    while (available > 16 && !read_safely(sp, words, available * sizeof(uintptr_t))) available /= 2;
    if (available <= 16) return 0;
    int count = 0;
    out[count++] = pc;
    for (size_t i = 0; i + 1 < available && count < max; i++) {
        uintptr_t here = sp + i * sizeof(uintptr_t);
        if (is_frame_record(words, available, sp, i)) {
            // The system-call wrappers keep no frame pointer: the first record found can be
            // one that a wrapper saved, pointing past the frame of the app function that
            // called it. Return addresses between this record and the one it points to
            // belong to those skipped callers.
            uintptr_t next = words[i] & ~(1ULL << 60);
            size_t next_index = (next - sp) / sizeof(uintptr_t);
            if (count < max) out[count++] = words[i + 1];
            for (size_t k = i + 2; k < next_index && k < available && count < max; k++) {
                if (looks_like_return_address(words[k])) out[count++] = words[k];
            }
            uint8_t unused = 0;
            return walk_frames(next, sp, 0, out, count, max, &unused);
        }
        if (looks_like_return_address(words[i]) && count < 8) out[count++] = words[i];
    }
    return count;
}

// Which of `values` (Swift task pointers) a blocked thread's stack holds: the job it runs keeps
// its task in callee-saved registers that the frames below spill, so the running task's
// pointer is on the stack between the system call and swift_job_run. -1 when none is, -2 when
// the stack could not be read.
int hotpath_blocked_stack_holds(int32_t tid, const uintptr_t *values, int count, int max_bytes) {
    uintptr_t sp, pc;
    if (!blocked_registers(tid, &sp, &pc)) return -2;
    if (count <= 0) return -1;
    enum { WINDOW = 4096 };
    uintptr_t words[WINDOW];
    size_t available = (size_t)max_bytes / sizeof(uintptr_t);
    if (available > WINDOW) available = WINDOW;
    while (available > 16 && !read_safely(sp, words, available * sizeof(uintptr_t))) available /= 2;
    if (available <= 16) return -2;
    for (size_t i = 0; i < available; i++) {
        if (words[i] == 0) continue;
        for (int k = 0; k < count; k++) {
            if (words[i] == values[k]) return k;
        }
    }
    return -1;
}

// ---------------------------------------------------------------------------------------------
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

static char state_from_fd(int fd) {
    char buffer[512];
    if (fd < 0) return 0;
    ssize_t length = pread(fd, buffer, sizeof buffer - 1, 0);
    if (length <= 0) return 0;
    buffer[length] = 0;
    return state_from_stat(buffer);
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
        syscall(SYS_tgkill, process_id, threads[i].tid, SIGPROF);
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

// ---------------------------------------------------------------------------------------------

static pthread_mutex_t control_lock = PTHREAD_MUTEX_INITIALIZER;
static int handler_installed;

static void install_handler(void) {
    if (handler_installed) return;
    process_id = getpid();
    hotpath_refresh_code_ranges();
    find_job_functions();
    current_task_function = (void *(*)(void))dlsym(RTLD_DEFAULT, "swift_task_getCurrent");
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_signal;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaction(SIGPROF, &action, NULL);
    handler_installed = 1;
}

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

void hotpath_sampler_release(void) {
    pthread_mutex_lock(&control_lock);
    if (!atomic_load(&helper_running) && ring) {
        // A handler that passed its check just before the stop finishes long before this.
        struct timespec pause = {0, 20000000};
        nanosleep(&pause, NULL);
        free(ring);
        free((void *)ring_sequence);
        ring = NULL;
        ring_sequence = NULL;
        ring_capacity = 0;
    }
    pthread_mutex_unlock(&control_lock);
}

int32_t hotpath_current_tid(void) {
    return (int32_t)syscall(SYS_gettid);
}

uint64_t hotpath_thread_cpu_ns(int32_t tid) {
    clockid_t clock = (clockid_t)((~(unsigned)tid << 3) | 6);
    struct timespec time;
    if (clock_gettime(clock, &time) != 0) return 0;
    return (uint64_t)time.tv_sec * 1000000000ULL + (uint64_t)time.tv_nsec;
}

int hotpath_capture_thread(int32_t tid, uintptr_t *out, int max, int *on_cpu, int *async_from, uint64_t timeout_ns) {
    return hotpath_capture_thread_task(tid, out, max, on_cpu, async_from, timeout_ns, NULL);
}

int hotpath_capture_thread_task(int32_t tid, uintptr_t *out, int max, int *on_cpu, int *async_from, uint64_t timeout_ns,
                                uintptr_t *task) {
    if (task) *task = 0;
    pthread_mutex_lock(&control_lock);
    install_handler();
    pthread_mutex_unlock(&control_lock);
    if (max <= 0) return 0;
    if (max > HOTPATH_SAMPLE_MAX_FRAMES) max = HOTPATH_SAMPLE_MAX_FRAMES;
    pthread_mutex_lock(&capture_lock);
    int count = 0;
    char state = thread_state(tid);
    if (state == 'R') {
        atomic_store(&capture_done, 0);
        atomic_store(&capture_tid, tid);
        if (syscall(SYS_tgkill, process_id, tid, SIGPROF) == 0) {
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

int hotpath_list_threads(int32_t *tids, char names[][16], int max) {
    DIR *directory = opendir("/proc/self/task");
    if (!directory) return 0;
    int count = 0;
    struct dirent *entry;
    while (count < max && (entry = readdir(directory)) != NULL) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
        int32_t tid = (int32_t)atoi(entry->d_name);
        char path[64];
        snprintf(path, sizeof path, "/proc/self/task/%d/comm", tid);
        names[count][0] = 0;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            ssize_t length = read(fd, names[count], 15);
            close(fd);
            if (length < 0) length = 0;
            names[count][length] = 0;
            while (length > 0 && names[count][length - 1] == '\n') names[count][--length] = 0;
        }
        tids[count++] = tid;
    }
    closedir(directory);
    return count;
}

int hotpath_open_thread_files(int32_t tid, int *stat_fd, int *syscall_fd) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    *stat_fd = open(path, O_RDONLY | O_CLOEXEC);
    snprintf(path, sizeof path, "/proc/self/task/%d/syscall", tid);
    *syscall_fd = open(path, O_RDONLY | O_CLOEXEC);
    return *stat_fd >= 0;
}

void hotpath_close_thread_files(int stat_fd, int syscall_fd) {
    if (stat_fd >= 0) close(stat_fd);
    if (syscall_fd >= 0) close(syscall_fd);
}

int hotpath_thread_status_fds(int stat_fd, int syscall_fd, char *state, long *syscall_number, uintptr_t *stack_pointer) {
    *state = state_from_fd(stat_fd);
    *syscall_number = -1;
    *stack_pointer = 0;
    if (*state == 0) return 0;
    if ((*state == 'S' || *state == 'D') && syscall_fd >= 0) {
        char buffer[512];
        ssize_t length = pread(syscall_fd, buffer, sizeof buffer - 1, 0);
        if (length > 0) {
            buffer[length] = 0;
            char *end;
            long number = strtol(buffer, &end, 0);
            if (end != buffer) *syscall_number = number;
            // The stack pointer is the second-to-last field.
            char *last = strrchr(buffer, ' ');
            if (last) {
                *last = 0;
                char *before = strrchr(buffer, ' ');
                if (before) *stack_pointer = (uintptr_t)strtoull(before + 1, NULL, 0);
            }
        }
    }
    return 1;
}

int hotpath_thread_status(int32_t tid, char *state, long *syscall_number, uintptr_t *stack_pointer) {
    int stat_fd, syscall_fd;
    hotpath_open_thread_files(tid, &stat_fd, &syscall_fd);
    int result = hotpath_thread_status_fds(stat_fd, syscall_fd, state, syscall_number, stack_pointer);
    hotpath_close_thread_files(stat_fd, syscall_fd);
    return result;
}


#else

int hotpath_list_threads(int32_t *tids, char names[][16], int max) { (void)tids; (void)names; (void)max; return 0; }
int hotpath_thread_status(int32_t tid, char *state, long *syscall_number, uintptr_t *stack_pointer) {
    (void)tid; *state = 0; *syscall_number = -1; *stack_pointer = 0;
    return 0;
}
int hotpath_open_thread_files(int32_t tid, int *stat_fd, int *syscall_fd) { (void)tid; *stat_fd = -1; *syscall_fd = -1; return 0; }
void hotpath_close_thread_files(int stat_fd, int syscall_fd) { (void)stat_fd; (void)syscall_fd; }
int hotpath_thread_status_fds(int stat_fd, int syscall_fd, char *state, long *syscall_number, uintptr_t *stack_pointer) {
    (void)stat_fd; (void)syscall_fd; *state = 0; *syscall_number = -1; *stack_pointer = 0;
    return 0;
}

int hotpath_sampler_start(const hotpath_sampler_options *options) { (void)options; return 95; /* EOPNOTSUPP */ }
void hotpath_sampler_stop(void) {}
int hotpath_sampler_drain(hotpath_sample *out, int max) { (void)out; (void)max; return 0; }
uint64_t hotpath_sampler_dropped(void) { return 0; }
void hotpath_sampler_release(void) {}
int hotpath_capture_thread(int32_t tid, uintptr_t *out, int max, int *on_cpu, int *async_from, uint64_t timeout_ns) {
    (void)tid; (void)out; (void)max; (void)on_cpu; (void)async_from; (void)timeout_ns;
    return 0;
}
int hotpath_capture_thread_task(int32_t tid, uintptr_t *out, int max, int *on_cpu, int *async_from, uint64_t timeout_ns,
                                uintptr_t *task) {
    (void)tid; (void)out; (void)max; (void)on_cpu; (void)async_from; (void)timeout_ns;
    if (task) *task = 0;
    return 0;
}
uint64_t hotpath_thread_cpu_ns(int32_t tid) { (void)tid; return 0; }
int hotpath_blocked_stack_holds(int32_t tid, const uintptr_t *values, int count, int max_bytes) {
    (void)tid; (void)values; (void)count; (void)max_bytes;
    return -2;
}
int32_t hotpath_current_tid(void) { return 0; }

#endif
