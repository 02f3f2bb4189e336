#!/usr/bin/env bash
# Unsafe libc calls are not allowed in ecsd's code (git's banned.h idea):
# strcpy, strcat, strncpy, sprintf, vsprintf, gets, strtok.
cd "$(dirname "$0")/.."
hits=$(grep -nE '(^|[^_a-z])(strcpy|strcat|strncpy|sprintf|vsprintf|gets|strtok)\(' \
       $(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'bench/*.c' 2>/dev/null) /dev/null)
if [ -n "$hits" ]; then
    echo "$hits"
    echo "0 passed, 1 failed"
    exit 1
fi
echo "1 passed, 0 failed"
