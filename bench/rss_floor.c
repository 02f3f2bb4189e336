/* rss_floor.c - the resident memory of a process that only links Debian's
 * libcurl (and what ecsd links) and calls curl_global_init: the floor under
 * the agent's RSS (bench/agent_start.sh prints it beside the agent's). */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, "VmRSS:", 6) == 0)
            fputs(line, stdout);
    if (f != NULL)
        fclose(f);
    curl_global_cleanup();
    return 0;
}
