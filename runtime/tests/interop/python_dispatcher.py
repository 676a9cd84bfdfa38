"""A Cosmonapse dispatcher in plain Python: publishes TASK / TASK.routed / TASK_OFFER /
TASK_AWARDED / STOP / CLARIFICATION_ANSWER and waits for the replies on an observer of
cosmonapse.<ns>.>, checking their envelope fields."""
import json

from cosmo_peer import Observer, expect_eq, make_signal, strict_decode, subject


class Dispatcher:
    def __init__(self, client, ns="dev"):
        self.c, self.ns = client, ns
        self.obs = Observer(client, ns)
        self.sent = set()  # ids this side published

    def publish(self, sig, subj=None):
        self.sent.add(sig["id"])
        self.c.pub(subj or subject(self.ns, sig["type"]), sig)
        return sig

    def task(self, inp, neuron=None, caps=None, finalize=False, trace=None):
        p = {"input": inp}
        if caps:
            p["capabilities"] = caps
        if finalize:
            p["finalize"] = True
        sig = make_signal("TASK", p, directed={"id": neuron} if neuron else None, trace=trace)
        routed = caps and not neuron
        return self.publish(sig, subject(self.ns, "TASK.routed" if routed else "TASK"))

    def reply_to(self, src, type_, timeout=10.0):
        """The reply of type_ whose parent_id is src's id, with its fields checked."""
        r = self.obs.wait_for(lambda s: s["type"] == type_ and s["parent_id"] == src["id"],
                              timeout, f"{type_} with parent_id {src['id']}")
        expect_eq(r["trace_id"], src["trace_id"], f"{type_} trace_id")
        return r

    def strict_check_all(self):
        """Every line the other side sent decodes under the strict section 1 rules."""
        n = 0
        for _, frame in list(self.obs.frames):
            if json.loads(frame)["id"] in self.sent:
                continue
            strict_decode(frame)
            n += 1
        return n
