#define _GNU_SOURCE
#include "hotpath_stacks.h"
#include <dlfcn.h>

#if defined(__linux__)
#include <link.h>
#endif
#include <pthread.h>
#include <stdatomic.h>
#if defined(__linux__)
#include <sys/uio.h>
#endif
#include <unistd.h>

#if defined(__x86_64__) && defined(__linux__)

// Executable PT_LOAD segments of the loaded images, read once (and on refresh).
#define MAX_CODE_RANGES 256
#define MAX_IMAGES 256
#define MAX_IMAGE_PATH 1024
static uintptr_t code_start[MAX_CODE_RANGES];
static uintptr_t code_end[MAX_CODE_RANGES];
static int code_image[MAX_CODE_RANGES];
static uintptr_t image_bias[MAX_IMAGES];
static char image_path[MAX_IMAGES][MAX_IMAGE_PATH];
static int image_count = 0;
static _Atomic int code_count = -1;
static pthread_mutex_t code_lock = PTHREAD_MUTEX_INITIALIZER;

static int collect_ranges(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    int *count = data;
    if (image_count >= MAX_IMAGES) return 0;
    int image = image_count++;
    image_bias[image] = info->dlpi_addr;
    const char *name = info->dlpi_name;
    if (name == NULL || name[0] == 0) {
        // The main program: its path, absolute, for a symbolizer running in another process.
        ssize_t length = readlink("/proc/self/exe", image_path[image], MAX_IMAGE_PATH - 1);
        image_path[image][length > 0 ? length : 0] = 0;
    } else {
        size_t i = 0;
        for (; name[i] && i < MAX_IMAGE_PATH - 1; i++) image_path[image][i] = name[i];
        image_path[image][i] = 0;
    }
    for (int i = 0; i < info->dlpi_phnum && *count < MAX_CODE_RANGES; i++) {
        const ElfW(Phdr) *phdr = &info->dlpi_phdr[i];
        if (phdr->p_type == PT_LOAD && (phdr->p_flags & PF_X)) {
            code_start[*count] = info->dlpi_addr + phdr->p_vaddr;
            code_end[*count] = info->dlpi_addr + phdr->p_vaddr + phdr->p_memsz;
            code_image[*count] = image;
            (*count)++;
        }
    }
    return 0;
}

void hotpath_refresh_code_ranges(void) {
    pthread_mutex_lock(&code_lock);
    atomic_store(&code_count, 0);
    int count = 0;
    image_count = 0;
    dl_iterate_phdr(collect_ranges, &count);
    // Sorted by start, for a binary search per lookup.
    for (int i = 1; i < count; i++) {
        uintptr_t start = code_start[i], end = code_end[i];
        int image = code_image[i];
        int j = i - 1;
        while (j >= 0 && code_start[j] > start) {
            code_start[j + 1] = code_start[j];
            code_end[j + 1] = code_end[j];
            code_image[j + 1] = code_image[j];
            j--;
        }
        code_start[j + 1] = start;
        code_end[j + 1] = end;
        code_image[j + 1] = image;
    }
    atomic_store(&code_count, count);
    pthread_mutex_unlock(&code_lock);
}

static int code_range_of(uintptr_t address) {
    int count = atomic_load_explicit(&code_count, memory_order_acquire);
    if (count < 0) {
        hotpath_refresh_code_ranges();
        count = atomic_load(&code_count);
    }
    int low = 0, high = count - 1;
    while (low <= high) {
        int middle = (low + high) / 2;
        if (address < code_start[middle]) {
            high = middle - 1;
        } else if (address >= code_end[middle]) {
            low = middle + 1;
        } else {
            return middle;
        }
    }
    return -1;
}

int hotpath_is_code_address(uintptr_t address) {
    return code_range_of(address) >= 0;
}

int hotpath_image_of(uintptr_t address, uintptr_t *bias, char *path, int path_capacity) {
    if (path_capacity <= 0 || code_range_of(address) < 0) return 0;
    // Again under the lock: a refresh may have rebuilt the tables in between.
    pthread_mutex_lock(&code_lock);
    int range = code_range_of(address);
    if (range < 0) {
        pthread_mutex_unlock(&code_lock);
        return 0;
    }
    int image = code_image[range];
    *bias = image_bias[image];
    int i = 0;
    for (; image_path[image][i] && i < path_capacity - 1; i++) path[i] = image_path[image][i];
    path[i] = 0;
    pthread_mutex_unlock(&code_lock);
    return 1;
}

static int plausible_pointer(uintptr_t value) {
    return value != 0 && (value & 7) == 0 && value < 0x800000000000ULL && value > 0x10000;
}

static int read_two_words_safely(uintptr_t address, uintptr_t *words) {
    struct iovec local = {words, 2 * sizeof(uintptr_t)};
    struct iovec remote = {(void *)address, 2 * sizeof(uintptr_t)};
    return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == (ssize_t)(2 * sizeof(uintptr_t));
}

// An async context starts with { parent context, resume function of the parent }.
// Follows a chain of async contexts: each starts with { parent context, resume function of
// the parent }. Writes the resume points, returns how many. The first `checked` hops are read
// safely (a system call each): a context found in a frame may be something else, and only a
// chain that holds real resume points that long is trusted to be one, as real contexts link to
// real contexts.
static int follow_async_contexts(uintptr_t *out, int max, uintptr_t context, int checked) {
    int count = 0;
    uintptr_t words[2];
    while (count < max && plausible_pointer(context)) {
        if (count < checked) {
            if (!read_two_words_safely(context, words)) break;
        } else {
            words[0] = ((const uintptr_t *)context)[0];
            words[1] = ((const uintptr_t *)context)[1];
        }
        uintptr_t parent = words[0], resume = words[1];
        if (!plausible_pointer(parent) || !hotpath_is_code_address(resume)) break;
        out[count++] = resume;
        context = parent;
    }
    return count;
}

__attribute__((used)) int hotpath_capture_async_callers_with(uintptr_t *out, int max, uintptr_t context, uintptr_t return_address) {
    if (max <= 0) return 0;
    int count = 0;
    out[count++] = return_address;
    return count + follow_async_contexts(out + count, max - count, context, 1);
}

// Entry: r14 still holds the calling async function's context; [rsp] is the return address.
__attribute__((naked)) int hotpath_capture_async_callers(uintptr_t *out, int max) {
    __asm__ volatile(
        "movq %r14, %rdx\n\t"
        "movq (%rsp), %rcx\n\t"
        "jmp hotpath_capture_async_callers_with\n\t");
}

// Return addresses inside these runtime functions mark the bottom of an async job: what is
// above them on a thread's stack is the executor, what called the job is in the async chain.
static uintptr_t job_start[2], job_end[2];
static pthread_once_t job_once = PTHREAD_ONCE_INIT;

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

void hotpath_find_job_functions(void) {
    pthread_once(&job_once, find_job_functions);
}

int hotpath_is_job_run(uintptr_t address) {
    for (int i = 0; i < 2; i++) {
        if (address >= job_start[i] && address < job_end[i]) return 1;
    }
    return 0;
}

// Async functions whose frame slot was once seen to hold a real async context, by a return
// address inside them: where an async function keeps its context is fixed when it is
// compiled, so a function seen once is read directly from then on, without the two system
// calls that check an unknown slot. A fixed table: no lock, no allocation; when full, unknown
// functions are simply checked each time. (Never cleared: Swift code is not unloaded.)
#define TRUSTED_SLOTS 1024
static _Atomic uintptr_t trusted_context_slots[TRUSTED_SLOTS];

static size_t trusted_index(uintptr_t key) {
    return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 54) & (TRUSTED_SLOTS - 1);
}

static int is_trusted_context_slot(uintptr_t key) {
    size_t index = trusted_index(key);
    for (int probe = 0; probe < 8; probe++) {
        uintptr_t value = atomic_load_explicit(&trusted_context_slots[(index + probe) & (TRUSTED_SLOTS - 1)], memory_order_relaxed);
        if (value == key) return 1;
        if (value == 0) return 0;
    }
    return 0;
}

static void trust_context_slot(uintptr_t key) {
    size_t index = trusted_index(key);
    for (int probe = 0; probe < 8; probe++) {
        uintptr_t expected = 0;
        _Atomic uintptr_t *slot = &trusted_context_slots[(index + probe) & (TRUSTED_SLOTS - 1)];
        if (atomic_load_explicit(slot, memory_order_relaxed) == key) return;
        if (atomic_compare_exchange_strong(slot, &expected, key) || expected == key) return;
    }
}

// Inlined into each entry point, so the walk starts at that entry's own frame and the first
// address written is its caller.
static inline __attribute__((always_inline)) int capture_frames(const uintptr_t *frame, uintptr_t *out, int max, int *async_from) {
    int count = 0;
    const uintptr_t *previous = 0;
    const uintptr_t *before_previous = 0;
    while (frame && count < max) {
        uintptr_t next = frame[0];
        uintptr_t return_address = frame[1];
        if (hotpath_is_job_run(return_address)) {
            // The executor runs the task's current async function: the frame just above the
            // runtime's (or this one, when the runtime's helper was inlined). Its return address
            // leads into the runtime, but its async context, which Swift stores just below the
            // frame record, leads to the async functions that awaited it. Synchronous code
            // called from a task (an EventLoopFuture chain started by an await) is so traced
            // back to the app's line.
            const uintptr_t *candidates[2] = {frame, previous};
            // Each candidate frame's function, named by the return address its callee saved.
            const uintptr_t *callees[2] = {previous, before_previous};
            for (int i = 0; i < 2; i++) {
                if (!candidates[i]) continue;
                // Where the runtime's runJobInEstablishedExecutorContext is a function of its own
                // (a local symbol, not found above), `frame` is its record and the task's resume
                // function is `previous`: the candidate that holds the context in the common
                // case. Either way the trusted slot belongs to a function called right below the
                // executor, which is a task's resume function (async: its context is in that
                // slot on every run) or a function such a one calls with its context in r14
                // (saved to the same slot on every run). Keyed by candidate as well.
                uintptr_t key = callees[i] ? callees[i][1] * 2 + (uintptr_t)i : 0;
                int trusted = key && is_trusted_context_slot(key);
                int found = follow_async_contexts(out + count, max - count, candidates[i][-1], trusted ? 0 : 2);
                // One hop could be any pointer next to a code address; a chain is a chain.
                if (found > 1) {
                    // Trusted only on a chain longer than the check itself: a slot that held a
                    // context by chance once does not pass for a function's context slot.
                    if (key && !trusted && found > 2) trust_context_slot(key);
                    if (async_from) *async_from = count;
                    return count + found;
                }
            }
        }
        if (!hotpath_is_code_address(return_address)) break;
        out[count++] = return_address;
        // Frames grow towards higher addresses; a frame larger than 1 MiB is not a frame.
        if (next <= (uintptr_t)frame || next - (uintptr_t)frame > (1u << 20) || (next & 7)) break;
        before_previous = previous;
        previous = frame;
        frame = (const uintptr_t *)next;
    }
    return count;
}

__attribute__((noinline)) int hotpath_capture_frames(uintptr_t *out, int max) {
    hotpath_find_job_functions();
    return capture_frames((const uintptr_t *)__builtin_frame_address(0), out, max, 0);
}

__attribute__((noinline)) int hotpath_capture_caller_frames(uintptr_t *out, int max, int *async_from) {
    hotpath_find_job_functions();
    return capture_frames((const uintptr_t *)__builtin_frame_address(0), out, max, async_from);
}

#else

int hotpath_image_of(uintptr_t address, uintptr_t *bias, char *path, int path_capacity) {
    (void)address; (void)bias; (void)path; (void)path_capacity;
    return 0;
}
void hotpath_refresh_code_ranges(void) {}
int hotpath_is_code_address(uintptr_t address) { (void)address; return 0; }
int hotpath_capture_async_callers(uintptr_t *out, int max) { (void)out; (void)max; return 0; }
int hotpath_capture_frames(uintptr_t *out, int max) { (void)out; (void)max; return 0; }
int hotpath_capture_caller_frames(uintptr_t *out, int max, int *async_from) { (void)out; (void)max; (void)async_from; return 0; }
void hotpath_find_job_functions(void) {}
int hotpath_is_job_run(uintptr_t address) { (void)address; return 0; }

#endif

#if defined(__linux__)
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>

extern char **environ;

int hotpath_spawn(const char *const argv[], const char *const envp[], const char *directory, const char *stdin_path,
                  const char *stdout_path, const char *stderr_path, int new_process_group, int *stdout_pipe, int *pid_out) {
    int fds[2] = {-1, -1};
    if (stdout_pipe && pipe2(fds, O_CLOEXEC) != 0) return errno;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (directory) posix_spawn_file_actions_addchdir_np(&actions, directory);
    posix_spawn_file_actions_addopen(&actions, 0, stdin_path ? stdin_path : "/dev/null", O_RDONLY, 0);
    if (stdout_pipe) {
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    } else {
        posix_spawn_file_actions_addopen(&actions, 1, stdout_path ? stdout_path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);
    }
    posix_spawn_file_actions_addopen(&actions, 2, stderr_path ? stderr_path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);
    // Nothing else of this process reaches the child: a descriptor it inherited (the socket a
    // parent watches to learn that this process ended, a listening socket) would stay open for
    // as long as the child runs, after this process is gone.
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
#endif
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    // Signals this process ignores or blocks are not the child's business.
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (new_process_group) {
        flags |= POSIX_SPAWN_SETPGROUP;
        posix_spawnattr_setpgroup(&attributes, 0);
    }
    posix_spawnattr_setflags(&attributes, flags);
    pid_t pid;
    int status = posix_spawn(&pid, argv[0], &actions, &attributes, (char *const *)argv,
                             envp ? (char *const *)envp : environ);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    if (stdout_pipe) close(fds[1]);
    if (status != 0) {
        if (stdout_pipe) close(fds[0]);
        return status;
    }
    if (stdout_pipe) *stdout_pipe = fds[0];
    *pid_out = pid;
    return 0;
}

int hotpath_spawn_reading(const char *const argv[], const char *stdin_path, int *stdout_fd) {
    int pid = -1;
    if (hotpath_spawn(argv, NULL, NULL, stdin_path, NULL, NULL, 0, stdout_fd, &pid) != 0) return -1;
    return pid;
}
#else
int hotpath_spawn(const char *const argv[], const char *const envp[], const char *directory, const char *stdin_path,
                  const char *stdout_path, const char *stderr_path, int new_process_group, int *stdout_pipe, int *pid_out) {
    (void)argv; (void)envp; (void)directory; (void)stdin_path; (void)stdout_path; (void)stderr_path; (void)new_process_group;
    (void)stdout_pipe; (void)pid_out;
    return 95;
}
int hotpath_spawn_reading(const char *const argv[], const char *stdin_path, int *stdout_fd) {
    (void)argv; (void)stdin_path; (void)stdout_fd;
    return -1;
}
#endif

#include <stdlib.h>

// libstdc++'s demangler (the Swift runtime links libstdc++ on Linux).
extern char *__cxa_demangle(const char *mangled, char *buffer, size_t *length, int *status);

char *hotpath_demangle_cplusplus(const char *mangled) {
    int status = 0;
    char *result = __cxa_demangle(mangled, NULL, NULL, &status);
    if (status != 0) {
        free(result);
        return NULL;
    }
    return result;
}

#if defined(__linux__)
#include <sys/syscall.h>

static __thread int32_t cached_thread_id;

int32_t hotpath_thread_id(void) {
    if (cached_thread_id == 0) cached_thread_id = (int32_t)syscall(SYS_gettid);
    return cached_thread_id;
}
#else
int32_t hotpath_thread_id(void) { return 0; }
#endif

#if defined(__linux__)
void hotpath_set_thread_name(const char *name) {
    pthread_setname_np(pthread_self(), name);
}
#else
void hotpath_set_thread_name(const char *name) { (void)name; }
#endif

// Hotpath's own threads (watchdog, sampler, symbolication), by id: profiles and the watchdog
// leave them out whatever they are called, and an app's thread is never taken for one of them
// because of its name. A fixed table: marking and the lookups take no lock and never allocate.
#define OWN_THREAD_SLOTS 256
static _Atomic int32_t own_threads[OWN_THREAD_SLOTS];

void hotpath_mark_own_thread(void) {
    int32_t tid = hotpath_thread_id();
    if (tid == 0 || hotpath_is_own_thread(tid)) return;
    for (int i = 0; i < OWN_THREAD_SLOTS; i++) {
        int32_t expected = 0;
        if (atomic_compare_exchange_strong(&own_threads[i], &expected, tid)) return;
    }
}

void hotpath_unmark_own_thread(void) {
    int32_t tid = hotpath_thread_id();
    for (int i = 0; i < OWN_THREAD_SLOTS; i++) {
        int32_t expected = tid;
        if (atomic_compare_exchange_strong(&own_threads[i], &expected, 0)) return;
    }
}

int hotpath_is_own_thread(int32_t tid) {
    if (tid == 0) return 0;
    for (int i = 0; i < OWN_THREAD_SLOTS; i++) {
        if (atomic_load_explicit(&own_threads[i], memory_order_relaxed) == tid) return 1;
    }
    return 0;
}
