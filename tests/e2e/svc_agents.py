"""Hosts for the service tests: FakeAgents (fake_agent.py, the real agent
protocol) that run by themselves in a thread, as an agent does: each polls
its desired state and reports the tasks it is given RUNNING and the ones it
is told to stop STOPPED. Knobs make them slow, or make every start fail.

    with AutoAgent(server, cluster, memory=1024) as host:
        ...                       # tasks placed on it start by themselves
        host.crash(task_arn)      # the container died: reported STOPPED, exit 137
    AutoAgent(..., broken=lambda task: task["taskDefinitionArn"].endswith(":2"))
                              # revision 2's containers exit at once (exit 1)
    host.paused.set()             # its link is cut: it neither polls nor reports; its tasks run on
    host.paused.clear()           # back: it stops what the server no longer lists (host.orphans)
"""
import threading
import time

from fake_agent import MODERN_ATTRIBUTES, FakeAgent


class AutoAgent:
    def __init__(self, server, cluster, cpu=2048, memory=4096, start_delay=0.0, stop_delay=0.0,
                 fail_starts=False, broken=None, attributes=(), **agent_kw):
        # attributes: more than a current agent's own (e.g. ecs.availability-zone), once each by name;
        # agent_kw: more of FakeAgent's own arguments
        attrs = {a["name"]: a for a in list(MODERN_ATTRIBUTES) + list(attributes)}
        self.agent = FakeAgent(server, cluster, cpu=cpu, memory=memory, attributes=list(attrs.values()),
                               **agent_kw).register()
        self.arn = self.agent.arn
        self.id = self.arn.rsplit("/", 1)[1]
        self.start_delay, self.stop_delay, self.fail_starts = start_delay, stop_delay, fail_starts
        # broken(task) true: its image is broken: the container exits at once (exit 1), never RUNNING
        self.broken = broken
        self.started, self.stopped = set(), set()
        self.errors = 0
        self.paused = threading.Event()
        self.orphans = set()  # tasks it ran that the server stopped listing: stopped on its return
        self._quit = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        self._quit.set()
        self._thread.join(timeout=30)

    def crash(self, task_arn, exit_code=137):
        """The task's containers died (docker kill): reported STOPPED."""
        self.stopped.add(task_arn)
        self._stop(task_arn, [c["name"] for c in self.agent.describe_task(task_arn)["containers"]], exit_code)

    def _stop(self, arn, names, exit_code=0, reason=None):
        for n in names:
            self.agent.report_container(arn, n, "STOPPED", exit_code=exit_code)
        self.agent.report_task(arn, "STOPPED", reason)

    def _handle(self, task):
        """Reports first, remembers after: a report the server did not take
        (it was restarting) is sent again at the next poll; reports are
        idempotent."""
        arn, names = task["taskArn"], [c["name"] for c in task["containers"]]
        if task["desiredStatus"] == "STOPPED":
            if arn not in self.stopped:
                time.sleep(self.stop_delay)
                self._stop(arn, names)
                self.stopped.add(arn)
        elif arn not in self.started and arn not in self.stopped:
            time.sleep(self.start_delay)
            if self.broken is not None and self.broken(task):
                self._stop(arn, names, exit_code=1, reason="Essential container in task exited")
                self.stopped.add(arn)
            elif self.fail_starts:  # e.g. the image cannot be pulled: never RUNNING
                self._stop(arn, [], reason="CannotPullContainerError: no such image")
                self.stopped.add(arn)
            else:
                self.agent.start_task(arn, names=names)
            self.started.add(arn)

    def _run(self):
        while not self._quit.is_set():
            if self.paused.is_set():
                time.sleep(0.05)
                continue
            try:
                listed = self.agent.poll(wait=1)["tasks"]
                for task in listed:
                    if self._quit.is_set():
                        return
                    self._handle(task)
                arns = {t["taskArn"] for t in listed}
                for arn in self.started - self.stopped - arns:  # as ecsd's agent: no longer listed, stopped
                    self.agent.report_task(arn, "STOPPED", "no longer listed by the server")
                    self.stopped.add(arn)
                    self.orphans.add(arn)
            except Exception:  # the server restarting, or stopping at the end of a test
                self.errors += 1
                self.agent.index = 0
                time.sleep(0.2)
