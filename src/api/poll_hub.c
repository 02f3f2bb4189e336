#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/poll.h"
#include "common/clock.h"

#define TICK_MS 100

struct poll_hub {
    pthread_mutex_t lock;
    pthread_cond_t stop_cond;
    bool stopping;
    bool shut;              /* after poll_hub_shutdown: fire at once */
    poll_waiter_t *head;
    pthread_t timer;
};

/* With the lock held. */
static void unlink_waiter(poll_hub_t *hub, poll_waiter_t *w)
{
    if (!w->listed)
        return;
    if (w->prev)
        w->prev->next = w->next;
    else
        hub->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    w->next = w->prev = NULL;
    w->listed = false;
}

/* With the lock held. */
static void fire(poll_hub_t *hub, poll_waiter_t *w)
{
    unlink_waiter(hub, w);
    w->fired = true;
    if (w->armed) {
        w->armed = false;
        w->fire(w->arg);
    }
}

static void *timer_main(void *arg)
{
    poll_hub_t *hub = arg;
    pthread_mutex_lock(&hub->lock);
    while (!hub->stopping) {
        int64_t now = clock_now_ms();
        for (poll_waiter_t *w = hub->head, *next; w != NULL; w = next) {
            next = w->next;
            if (w->deadline_ms <= now)
                fire(hub, w);
        }
        struct timespec ts;
        clock_deadline(&ts, TICK_MS);
        pthread_cond_timedwait(&hub->stop_cond, &hub->lock, &ts);
    }
    pthread_mutex_unlock(&hub->lock);
    return NULL;
}

poll_hub_t *poll_hub_new(void)
{
    poll_hub_t *hub = calloc(1, sizeof *hub);
    if (hub == NULL)
        return NULL;
    pthread_mutex_init(&hub->lock, NULL);
    pthread_cond_init(&hub->stop_cond, NULL);
    if (pthread_create(&hub->timer, NULL, timer_main, hub) != 0) {
        free(hub);
        return NULL;
    }
    return hub;
}

void poll_hub_shutdown(poll_hub_t *hub)
{
    pthread_mutex_lock(&hub->lock);
    hub->shut = true;
    while (hub->head != NULL)
        fire(hub, hub->head);
    pthread_mutex_unlock(&hub->lock);
}

void poll_hub_free(poll_hub_t *hub)
{
    if (hub == NULL)
        return;
    poll_hub_shutdown(hub);
    pthread_mutex_lock(&hub->lock);
    hub->stopping = true;
    pthread_cond_signal(&hub->stop_cond);
    pthread_mutex_unlock(&hub->lock);
    pthread_join(hub->timer, NULL);
    pthread_cond_destroy(&hub->stop_cond);
    pthread_mutex_destroy(&hub->lock);
    free(hub);
}

void poll_hub_add(poll_hub_t *hub, poll_waiter_t *w)
{
    pthread_mutex_lock(&hub->lock);
    w->fired = hub->shut;
    w->armed = false;
    if (!w->fired) {
        w->prev = NULL;
        w->next = hub->head;
        if (hub->head)
            hub->head->prev = w;
        hub->head = w;
        w->listed = true;
    }
    pthread_mutex_unlock(&hub->lock);
}

bool poll_hub_arm(poll_hub_t *hub, poll_waiter_t *w, void (*suspend)(void *arg), void *arg)
{
    pthread_mutex_lock(&hub->lock);
    bool armed = !w->fired;
    if (armed) {
        suspend(arg);
        w->armed = true;
    }
    pthread_mutex_unlock(&hub->lock);
    return armed;
}

void poll_hub_remove(poll_hub_t *hub, poll_waiter_t *w)
{
    pthread_mutex_lock(&hub->lock);
    unlink_waiter(hub, w);
    w->armed = false;
    pthread_mutex_unlock(&hub->lock);
}

void poll_hub_wake(poll_hub_t *hub, const char *account, const char *instance)
{
    pthread_mutex_lock(&hub->lock);
    for (poll_waiter_t *w = hub->head, *next; w != NULL; w = next) {
        next = w->next;
        if ((account == NULL || strcmp(w->account, account) == 0) && (instance == NULL || strcmp(w->instance, instance) == 0))
            fire(hub, w);
    }
    pthread_mutex_unlock(&hub->lock);
}
