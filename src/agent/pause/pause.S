/* The pause container's program (x86-64 Linux, no libc): holds a task's
 * network namespace; exits 0 on SIGTERM or SIGINT (PID 1 ignores signals
 * it has no handler for). */
    .globl _start
    .text
_start:
    mov $15, %edi               /* SIGTERM */
    call handle
    mov $2, %edi                /* SIGINT */
    call handle
1:  mov $34, %eax               /* pause() */
    syscall
    jmp 1b
handle:                         /* rt_sigaction(%edi, &act, NULL, 8) */
    lea act(%rip), %rsi
    xor %edx, %edx
    mov $8, %r10d
    mov $13, %eax
    syscall
    ret
quit:
    mov $60, %eax               /* exit(0) */
    xor %edi, %edi
    syscall
    .p2align 3
act:
    .quad quit                  /* sa_handler */
    .quad 0x04000000            /* sa_flags: SA_RESTORER (required on x86-64) */
    .quad quit                  /* sa_restorer: never reached, quit does not return */
    .quad 0                     /* sa_mask */
