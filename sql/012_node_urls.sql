-- 012: where each node answers (docs/nodes.md): a node asked for a file
-- another node holds (a segment, a still, a sample, a package) forwards the
-- request there. Written by the node's heartbeat.
ALTER TABLE nodes ADD COLUMN url text;
