-- 011: which node records each camera (docs/nodes.md). A node holds a camera
-- through its lease row and renews it four times per lease; a lease that ran
-- out (its node died or lost the database) or was released (its node
-- stopped, or handed the camera to a node with fewer) is claimed by another
-- node. Every camera gets a row when a node first sees it; node '' is a
-- camera no node has recorded yet.
CREATE TABLE camera_leases (
  camera_id   uuid PRIMARY KEY REFERENCES cameras (id),
  node        text NOT NULL DEFAULT '',
  expires_at  timestamptz NOT NULL DEFAULT '-infinity',
  released    boolean NOT NULL DEFAULT false,
  claimed_at  timestamptz
);
CREATE INDEX camera_leases_node ON camera_leases (node);

-- Pinning: NULL lets any node record the camera, else only the nodes named
-- (a railyard's own node, or a group of them).
ALTER TABLE cameras ADD COLUMN pinned_nodes text[]
  CHECK (pinned_nodes IS NULL OR cardinality (pinned_nodes) > 0);
