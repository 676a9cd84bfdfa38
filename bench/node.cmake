# The node's per-Signal path (what every Signal on the namespace costs the node): encode,
# count and pair (signal_stats), append and fan out to the open pages (signal_feed).
# bench/node_up_load.py measures the whole process (idle CPU/RSS, Signals/s with pages open).
neuromesh_bench(NAME node_feed_bench SOURCES node_feed_bench.cc DEPS neuromesh::node)
