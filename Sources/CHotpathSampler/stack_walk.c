#define _GNU_SOURCE
#include "sampler_internal.h"
#include "hotpath_stacks.h"

// Stack walks of this process's threads, safe on any value: every read that is not known to
// be mapped goes through process_vm_readv, every return address must lie in code.

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

pid_t walk_process_id;

int read_safely(uintptr_t address, void *destination, size_t length) {
    struct iovec local = {destination, length};
    struct iovec remote = {(void *)address, length};
    return process_vm_readv(walk_process_id, &local, 1, &remote, 1, 0) == (ssize_t)length;
}

uint64_t monotonic_now(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec;
}

void walk_prepare(void) {
    walk_process_id = getpid();
    hotpath_refresh_code_ranges();
    hotpath_find_job_functions();
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
        if (!hotpath_is_job_run(words[1])) out[count++] = words[1];
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
        if (hotpath_is_job_run(return_address) && async_context) {
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

int capture_from_context(const ucontext_t *context, uintptr_t *out, int max, uint8_t *async_from) {
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

// Stack pointer and program counter of a thread blocked in the kernel (/proc/…/syscall).
int blocked_registers(int32_t tid, uintptr_t *sp, uintptr_t *pc) {
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
int capture_blocked(int32_t tid, uintptr_t *out, int max) {
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

#endif
