-- 003_inspection: the inspection workflow. Declarations and their lots,
-- wagons, remote inspections and their marks, sorting decisions and their
-- four-eyes approvals, samples and lab results judged against a versioned
-- rule table (../shared/domain.md).
--
-- DESIGN: the evidence tables (inspections once signed, marks, decisions,
-- decision_approvals, lab_results) are append-only. BEFORE row triggers
-- refuse UPDATE and DELETE and a statement trigger refuses TRUNCATE, so the
-- refusal holds for the table owner and for a superuser too (only disabling
-- the trigger gets past it, as for audit_events in 001). A correction is a
-- new row that supersedes the old one. Rules that span two rows of the same
-- lot are composite foreign keys (a mark's wagon is a wagon of the mark's
-- lot); rules a constraint cannot say are triggers.
--
-- Errors raised here, for the server to map:
--   42501 insufficient_privilege            append-only, deletion, self-approval
--   55000 object_not_in_prerequisite_state  signed inspection, approval not needed
--   23503 foreign_key_violation             unknown reason code, camera, wagon, lab rule
--   23505 unique_violation, 23514 check_violation: named constraints below
--
-- Live updates: AFTER INSERT triggers send pg_notify('rvi_events', payload)
-- with payload {"kind": K, "id": ID, "lot_id": LOT} (about 120 bytes), where
-- K is lot, lot_status, wagon, inspection, inspection_signed, mark, decision,
-- decision_approval or lab_result and ID the new row's id (for an approval,
-- its decision's id). Notifications are sent at commit.

-- Refuses the change with the message given as the trigger's argument.
CREATE FUNCTION rvi_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'insufficient_privilege';
END
$$;

-- The ids of @ids that name no camera (NULL when all do).
CREATE FUNCTION rvi_unknown_cameras(ids uuid[]) RETURNS uuid[] LANGUAGE sql STABLE AS $$
  SELECT array_agg(c) FROM unnest(ids) c WHERE c IS NULL OR NOT EXISTS (
    SELECT 1 FROM cameras WHERE id = c)
$$;

-- A region on a frame: exactly {x, y, w, h}, numbers, fractions of the
-- frame, inside it. CASE keeps the checks in order (no cast of a non-number).
CREATE FUNCTION rvi_region_valid(r jsonb) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN jsonb_typeof(r) <> 'object' THEN false
    WHEN NOT r ?& ARRAY['x', 'y', 'w', 'h'] THEN false
    WHEN (SELECT count(*) FROM jsonb_object_keys(r)) <> 4 THEN false
    WHEN jsonb_typeof(r->'x') <> 'number' OR jsonb_typeof(r->'y') <> 'number'
      OR jsonb_typeof(r->'w') <> 'number' OR jsonb_typeof(r->'h') <> 'number' THEN false
    ELSE (r->>'x')::numeric >= 0 AND (r->>'y')::numeric >= 0
      AND (r->>'w')::numeric > 0 AND (r->>'h')::numeric > 0
      AND (r->>'x')::numeric + (r->>'w')::numeric <= 1
      AND (r->>'y')::numeric + (r->>'h')::numeric <= 1
  END
$$;

-- Sends one event on channel rvi_events. TG_ARGV[0] is the kind.
CREATE FUNCTION rvi_notify_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_id uuid;
  v_lot uuid;
BEGIN
  CASE TG_TABLE_NAME
    WHEN 'lots' THEN
      v_id := NEW.id;
      v_lot := NEW.id;
    WHEN 'decision_approvals' THEN
      v_id := NEW.decision_id;
      SELECT lot_id INTO v_lot FROM decisions WHERE id = NEW.decision_id;
    WHEN 'lab_results' THEN
      v_id := NEW.id;
      SELECT lot_id INTO v_lot FROM samples WHERE id = NEW.sample_id;
    ELSE
      v_id := NEW.id;
      v_lot := NEW.lot_id;
  END CASE;
  PERFORM pg_notify('rvi_events',
                    json_build_object('kind', TG_ARGV[0], 'id', v_id, 'lot_id', v_lot)::text);
  RETURN NULL;
END
$$;

-- Customs entries. The number carries the customs code and the import flag;
-- the columns repeat them for lookups and must agree with it.
CREATE TABLE declarations (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  number        char(18) NOT NULL,
  customs_code  char(4) NOT NULL,
  import        boolean NOT NULL,
  declared_at   timestamptz NOT NULL DEFAULT now(),
  note          text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
  created_by    uuid NOT NULL REFERENCES users (id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT declarations_number_key UNIQUE (number),
  CONSTRAINT declarations_number_format CHECK (number ~ '^[0-9]{18}$'),
  CONSTRAINT declarations_customs_code_matches CHECK (customs_code = substr(number, 1, 4)),
  CONSTRAINT declarations_import_matches CHECK (import = (substr(number, 9, 1) = '1'))
);

-- The unit that is sorted, sampled and tested. site and track name the
-- siding as cameras.site and cameras.track do.
CREATE TABLE lots (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  declaration_id   uuid NOT NULL REFERENCES declarations (id),
  lot_no           text NOT NULL CHECK (length(lot_no) BETWEEN 1 AND 64),
  waybill_no       text NOT NULL DEFAULT '' CHECK (length(waybill_no) <= 64),
  hs_code          text NOT NULL DEFAULT '2603000090',
  declared_mass_kg numeric,
  origin_country   char(2),
  arrival_at       timestamptz,
  site             text NOT NULL DEFAULT '' CHECK (length(site) <= 100),
  track            text NOT NULL DEFAULT '' CHECK (length(track) <= 100),
  risk_note        text NOT NULL DEFAULT '' CHECK (length(risk_note) <= 2000),
  status           text NOT NULL DEFAULT 'awaiting_review',
  created_by       uuid NOT NULL REFERENCES users (id),
  created_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT lots_lot_no_key UNIQUE (declaration_id, lot_no),
  CONSTRAINT lots_hs_code_copper_concentrate CHECK (hs_code IN ('2603000010', '2603000090')),
  CONSTRAINT lots_declared_mass_positive CHECK (declared_mass_kg > 0),
  CONSTRAINT lots_origin_country_format CHECK (origin_country ~ '^[A-Z]{2}$'),
  CONSTRAINT lots_status_known CHECK (status IN ('awaiting_review', 'under_inspection',
                                                 'pending_approval', 'decided', 'closed'))
);
CREATE INDEX lots_status_arrival ON lots (status, arrival_at);
CREATE INDEX lots_arrival ON lots (arrival_at);

CREATE TABLE wagons (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  lot_id           uuid NOT NULL REFERENCES lots (id),
  seq              integer NOT NULL,
  number           text NOT NULL CHECK (length(number) BETWEEN 1 AND 32),
  number_kind      text NOT NULL DEFAULT 'unknown',
  number_check     text NOT NULL DEFAULT 'no_check',
  seals            text[] NOT NULL DEFAULT '{}',
  declared_mass_kg numeric,
  radiation        text CHECK (length(radiation) <= 500),
  created_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT wagons_seq_key UNIQUE (lot_id, seq),
  CONSTRAINT wagons_id_lot_key UNIQUE (id, lot_id),
  CONSTRAINT wagons_seq_positive CHECK (seq > 0),
  CONSTRAINT wagons_number_kind_known CHECK (number_kind IN ('uic', 'r1520', 'cn7', 'container',
                                                             'unknown')),
  CONSTRAINT wagons_number_check_known CHECK (number_check IN ('valid', 'bad_check', 'no_check',
                                                               'malformed')),
  CONSTRAINT wagons_seals_no_null CHECK (array_position(seals, NULL) IS NULL),
  CONSTRAINT wagons_declared_mass_positive CHECK (declared_mass_kg > 0)
);

-- A remote session: an inspector, a lot and the cameras of its siding. It
-- ends signed and is locked from then on; it is never deleted.
CREATE TABLE inspections (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  lot_id        uuid NOT NULL REFERENCES lots (id),
  inspector_id  uuid NOT NULL REFERENCES users (id),
  opened_at     timestamptz NOT NULL DEFAULT now(),
  signed_at     timestamptz,
  cameras       uuid[] NOT NULL DEFAULT '{}',
  CONSTRAINT inspections_id_lot_key UNIQUE (id, lot_id),
  CONSTRAINT inspections_signed_after_opened CHECK (signed_at >= opened_at)
);
CREATE UNIQUE INDEX inspections_one_open_per_inspector ON inspections (lot_id, inspector_id)
  WHERE signed_at IS NULL;
CREATE INDEX inspections_lot ON inspections (lot_id, opened_at);

CREATE FUNCTION rvi_inspections_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'inspections cannot be deleted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.signed_at IS NOT NULL THEN
    RAISE EXCEPTION 'inspection is signed' USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF NEW.id <> OLD.id OR NEW.lot_id <> OLD.lot_id OR NEW.inspector_id <> OLD.inspector_id
      OR NEW.opened_at <> OLD.opened_at THEN
    RAISE EXCEPTION 'an inspection''s lot, inspector and opening time cannot change'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER inspections_locked BEFORE UPDATE OR DELETE ON inspections
  FOR EACH ROW EXECUTE FUNCTION rvi_inspections_guard();
CREATE TRIGGER inspections_no_truncate BEFORE TRUNCATE ON inspections
  FOR EACH STATEMENT EXECUTE FUNCTION rvi_reject_change('inspections cannot be deleted');

CREATE FUNCTION rvi_inspections_check_cameras() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_unknown uuid[] := rvi_unknown_cameras(NEW.cameras);
BEGIN
  IF v_unknown IS NOT NULL THEN
    RAISE EXCEPTION 'unknown camera' USING ERRCODE = 'foreign_key_violation',
      DETAIL = format('unknown: %s', array_to_string(v_unknown, ', ', 'NULL'));
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER inspections_cameras_exist BEFORE INSERT OR UPDATE OF cameras ON inspections
  FOR EACH ROW EXECUTE FUNCTION rvi_inspections_check_cameras();

-- Reasons for marks and decisions; categories of decisions.
CREATE TABLE reason_codes (
  code          text PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z0-9_]{0,63}$'),
  description   text NOT NULL DEFAULT ''
);
INSERT INTO reason_codes (code, description) VALUES
  ('FOREIGN_MATTER', 'soil, gravel, stones, wood, plastic, rubber, scrap or e-waste in the load'),
  ('COLOUR_ANOMALY', 'colour or texture unlike the declared concentrate'),
  ('SINTERED_GLASSY', 'sintered lumps, glassy or porous pieces, molten beads (slag, residue)'),
  ('MOISTURE_ABNORMAL', 'wet, slurry or free water'),
  ('FROZEN_CAKED', 'frozen or caked load'),
  ('SEAL_BROKEN', 'seal missing or not intact'),
  ('SEAL_MISMATCH', 'seal number differs from the documents'),
  ('WAGON_NO_MISMATCH', 'wagon number differs from the waybill'),
  ('WAGON_CHECKDIGIT_FAIL', 'wagon number check digit invalid'),
  ('COVER_DAMAGED', 'tarp or hard top damaged'),
  ('SPILLAGE', 'load spilled'),
  ('VIEW_OBSTRUCTED', 'the cameras do not show enough to judge'),
  ('RAD_ALARM', 'radiation portal alarm'),
  ('DOC_MISMATCH', 'documents do not match the goods'),
  ('RISK_SYSTEM_ORDER', 'ordered by the risk system'),
  ('RANDOM_SELECTION', 'random selection');

CREATE TABLE decision_categories (
  code           text PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z0-9_]{0,63}$'),
  needs_approval boolean NOT NULL,
  description    text NOT NULL DEFAULT ''
);
INSERT INTO decision_categories (code, needs_approval, description) VALUES
  ('RELEASE_ONWARD', false, 'clean on video, documents match: on to destination customs'),
  ('SAMPLE_RELEASE', false, 'sample drawn at the port, goods leave before the lab result'),
  ('SAMPLE_HOLD', false, 'sample drawn, goods wait for the result'),
  ('ONSITE_INSPECTION', false, 'physical inspection at the port'),
  ('HOLD_RADIATION', true, 'radiation alarm: isolate, confirm, nuclide test'),
  ('HOLD_SOLID_WASTE', true, 'suspected solid waste: attribute identification (GB 34330)'),
  ('RETURN', true, 'return under supervision'),
  ('DESTROY', true, 'destruction, as an alternative to return'),
  ('TECH_TREATMENT', false, 'treat under supervision, re-inspect'),
  ('CASE_TRANSFER', true, 'fraud or smuggling indications: hand to anti-smuggling');

-- Observations. A mark into a signed inspection is accepted only as a
-- correction superseding one of that inspection's marks.
CREATE TABLE marks (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  inspection_id uuid NOT NULL,
  lot_id        uuid NOT NULL,
  wagon_id      uuid,
  camera_id     uuid REFERENCES cameras (id),
  at            timestamptz NOT NULL,
  region        jsonb,
  reason_code   text REFERENCES reason_codes (code),
  note          text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
  supersedes_id uuid,
  created_by    uuid NOT NULL REFERENCES users (id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT marks_id_inspection_key UNIQUE (id, inspection_id),
  CONSTRAINT marks_supersedes_once UNIQUE (supersedes_id),
  CONSTRAINT marks_inspection_of_lot FOREIGN KEY (inspection_id, lot_id)
    REFERENCES inspections (id, lot_id),
  CONSTRAINT marks_wagon_of_lot FOREIGN KEY (wagon_id, lot_id) REFERENCES wagons (id, lot_id),
  CONSTRAINT marks_supersedes_same_inspection FOREIGN KEY (supersedes_id, inspection_id)
    REFERENCES marks (id, inspection_id),
  CONSTRAINT marks_region_valid CHECK (region IS NULL OR rvi_region_valid(region))
);
CREATE INDEX marks_lot_time ON marks (lot_id, at);
CREATE INDEX marks_inspection_time ON marks (inspection_id, at);

CREATE FUNCTION rvi_marks_check_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_signed timestamptz;
BEGIN
  -- FOR SHARE: signing (an UPDATE) waits for this mark's transaction
  SELECT signed_at INTO v_signed FROM inspections WHERE id = NEW.inspection_id FOR SHARE;
  IF v_signed IS NOT NULL AND NEW.supersedes_id IS NULL THEN
    RAISE EXCEPTION 'inspection is signed' USING ERRCODE = 'object_not_in_prerequisite_state',
      HINT = 'a correction is a new mark superseding one of the inspection''s marks';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER marks_signed_inspection BEFORE INSERT ON marks
  FOR EACH ROW EXECUTE FUNCTION rvi_marks_check_insert();
CREATE TRIGGER marks_append_only BEFORE UPDATE OR DELETE ON marks
  FOR EACH ROW EXECUTE FUNCTION rvi_reject_change('marks are append-only');
CREATE TRIGGER marks_no_truncate BEFORE TRUNCATE ON marks
  FOR EACH STATEMENT EXECUTE FUNCTION rvi_reject_change('marks are append-only');

-- Sorting decisions. Never edited: a correction is a new decision that
-- supersedes the old one (same lot, at most once).
CREATE TABLE decisions (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  lot_id          uuid NOT NULL REFERENCES lots (id),
  inspection_id   uuid,
  category        text NOT NULL REFERENCES decision_categories (code),
  reasons         text[] NOT NULL DEFAULT '{}',
  note            text NOT NULL DEFAULT '' CHECK (length(note) <= 4000),
  cameras         uuid[] NOT NULL DEFAULT '{}',
  window_start    timestamptz NOT NULL,
  window_end      timestamptz NOT NULL,
  decided_by      uuid NOT NULL REFERENCES users (id),
  decided_at      timestamptz NOT NULL DEFAULT now(),
  supersedes_id   uuid,
  idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 200),
  CONSTRAINT decisions_id_lot_key UNIQUE (id, lot_id),
  CONSTRAINT decisions_idempotency_key UNIQUE (decided_by, idempotency_key),
  CONSTRAINT decisions_supersedes_once UNIQUE (supersedes_id),
  CONSTRAINT decisions_window_order CHECK (window_end > window_start),
  CONSTRAINT decisions_inspection_of_lot FOREIGN KEY (inspection_id, lot_id)
    REFERENCES inspections (id, lot_id),
  CONSTRAINT decisions_supersedes_same_lot FOREIGN KEY (supersedes_id, lot_id)
    REFERENCES decisions (id, lot_id)
);
CREATE INDEX decisions_lot ON decisions (lot_id, decided_at);
CREATE INDEX decisions_decided_at ON decisions (decided_at);

CREATE FUNCTION rvi_decisions_check_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_unknown text[];
  v_cameras uuid[] := rvi_unknown_cameras(NEW.cameras);
BEGIN
  SELECT array_agg(r) INTO v_unknown FROM unnest(NEW.reasons) r
    WHERE r IS NULL OR NOT EXISTS (SELECT 1 FROM reason_codes WHERE code = r);
  IF v_unknown IS NOT NULL THEN
    RAISE EXCEPTION 'unknown reason code' USING ERRCODE = 'foreign_key_violation',
      DETAIL = format('unknown: %s', array_to_string(v_unknown, ', ', 'NULL'));
  END IF;
  IF v_cameras IS NOT NULL THEN
    RAISE EXCEPTION 'unknown camera' USING ERRCODE = 'foreign_key_violation',
      DETAIL = format('unknown: %s', array_to_string(v_cameras, ', ', 'NULL'));
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER decisions_check_insert BEFORE INSERT ON decisions
  FOR EACH ROW EXECUTE FUNCTION rvi_decisions_check_insert();
CREATE TRIGGER decisions_append_only BEFORE UPDATE OR DELETE ON decisions
  FOR EACH ROW EXECUTE FUNCTION rvi_reject_change('decisions are append-only');
CREATE TRIGGER decisions_no_truncate BEFORE TRUNCATE ON decisions
  FOR EACH STATEMENT EXECUTE FUNCTION rvi_reject_change('decisions are append-only');

-- Four eyes: a second person approves or rejects a decision whose category
-- needs it. One answer per decision.
CREATE TABLE decision_approvals (
  decision_id   uuid PRIMARY KEY REFERENCES decisions (id),
  approved_by   uuid NOT NULL REFERENCES users (id),
  approved      boolean NOT NULL,
  note          text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
  at            timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION rvi_decision_approvals_check_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_author uuid;
  v_needs boolean;
BEGIN
  SELECT d.decided_by, c.needs_approval INTO v_author, v_needs
    FROM decisions d JOIN decision_categories c ON c.code = d.category
    WHERE d.id = NEW.decision_id;
  IF NOT FOUND THEN
    RETURN NEW;   -- the foreign key reports it
  END IF;
  IF NOT v_needs THEN
    RAISE EXCEPTION 'decision does not need approval'
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF NEW.approved_by = v_author THEN
    RAISE EXCEPTION 'approver must not be the decision''s author'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF EXISTS (SELECT 1 FROM decisions WHERE supersedes_id = NEW.decision_id) THEN
    RAISE EXCEPTION 'decision is superseded' USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER decision_approvals_check_insert BEFORE INSERT ON decision_approvals
  FOR EACH ROW EXECUTE FUNCTION rvi_decision_approvals_check_insert();
CREATE TRIGGER decision_approvals_append_only BEFORE UPDATE OR DELETE ON decision_approvals
  FOR EACH ROW EXECUTE FUNCTION rvi_reject_change('decision approvals are append-only');
CREATE TRIGGER decision_approvals_no_truncate BEFORE TRUNCATE ON decision_approvals
  FOR EACH STATEMENT EXECUTE FUNCTION rvi_reject_change('decision approvals are append-only');

-- Per lot, the latest decision nothing supersedes, and whether it is in
-- effect: no approval needed or approved; pending; or rejected.
CREATE VIEW lot_current_decision AS
  SELECT DISTINCT ON (d.lot_id)
         d.lot_id, d.id AS decision_id, d.category, d.reasons, d.decided_by, d.decided_at,
         d.supersedes_id, c.needs_approval, a.approved_by, a.at AS approval_at,
         CASE WHEN NOT c.needs_approval OR a.approved THEN 'in_effect'
              WHEN a.approved IS NULL THEN 'pending_approval'
              ELSE 'rejected' END AS state
    FROM decisions d
    JOIN decision_categories c ON c.code = d.category
    LEFT JOIN decision_approvals a ON a.decision_id = d.id
   WHERE NOT EXISTS (SELECT 1 FROM decisions s WHERE s.supersedes_id = d.id)
   ORDER BY d.lot_id, d.decided_at DESC, d.id DESC;

-- Samples for the lab. drawn_by is a name (often railyard staff, not a
-- user); witnessed_by the officer who watched it on video.
CREATE TABLE samples (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  lot_id        uuid NOT NULL REFERENCES lots (id),
  number        text NOT NULL CHECK (length(number) BETWEEN 1 AND 64),
  seal          text NOT NULL DEFAULT '' CHECK (length(seal) <= 64),
  wagon_ids     uuid[] NOT NULL DEFAULT '{}',
  drawn_by      text NOT NULL CHECK (length(drawn_by) BETWEEN 1 AND 200),
  witnessed_by  uuid REFERENCES users (id),
  drawn_at      timestamptz NOT NULL,
  created_by    uuid NOT NULL REFERENCES users (id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT samples_number_key UNIQUE (number)
);
CREATE INDEX samples_lot ON samples (lot_id);

CREATE FUNCTION rvi_samples_check_wagons() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM unnest(NEW.wagon_ids) w WHERE w IS NULL OR NOT EXISTS (
      SELECT 1 FROM wagons WHERE id = w AND lot_id = NEW.lot_id)) THEN
    RAISE EXCEPTION 'wagon not in the lot' USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER samples_wagons_of_lot BEFORE INSERT OR UPDATE OF lot_id, wagon_ids ON samples
  FOR EACH ROW EXECUTE FUNCTION rvi_samples_check_wagons();

-- Lab limits, versioned, each naming its legal source. A version is never
-- edited: new limits are a new version.
CREATE TABLE lab_rules (
  id                    bigserial PRIMARY KEY,
  version               integer NOT NULL CHECK (version > 0),
  element               text NOT NULL CHECK (element ~ '^[A-Z][a-z]?$'),
  max_mass_fraction_pct numeric NOT NULL CHECK (max_mass_fraction_pct BETWEEN 0 AND 100),
  source                text NOT NULL CHECK (length(source) BETWEEN 1 AND 1000),
  valid_from            date NOT NULL,
  CONSTRAINT lab_rules_version_element_key UNIQUE (version, element)
);
CREATE TRIGGER lab_rules_append_only BEFORE UPDATE OR DELETE ON lab_rules
  FOR EACH ROW EXECUTE FUNCTION rvi_reject_change('lab rules are append-only');
CREATE TRIGGER lab_rules_no_truncate BEFORE TRUNCATE ON lab_rules
  FOR EACH STATEMENT EXECUTE FUNCTION rvi_reject_change('lab rules are append-only');

INSERT INTO lab_rules (version, element, max_mass_fraction_pct, source, valid_from)
SELECT 1, e, v, 'AQSIQ, MEP and MOFCOM announcement 2017 No. 106 (limits of toxic and harmful '
  'elements in imported copper concentrate; in force from publication, replaces 2006 No. 49). '
  'Scope: imported copper concentrate, HS 2603000010 / 2603000090, Cu >= 13 %.', date '2017-12-08'
FROM (VALUES ('Pb', 6.00), ('As', 0.50), ('F', 0.10), ('Cd', 0.05), ('Hg', 0.01)) AS t (e, v);

-- Lab results, judged at entry against the rule of their version (the
-- latest version in force when none is given). pass is always computed.
CREATE TABLE lab_results (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  sample_id     uuid NOT NULL REFERENCES samples (id),
  rule_version  integer NOT NULL,
  element       text NOT NULL,
  value_pct     numeric NOT NULL,
  pass          boolean NOT NULL,
  entered_by    uuid NOT NULL REFERENCES users (id),
  entered_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT lab_results_value_nonnegative CHECK (value_pct >= 0),
  CONSTRAINT lab_results_rule FOREIGN KEY (rule_version, element)
    REFERENCES lab_rules (version, element)
);
CREATE INDEX lab_results_sample ON lab_results (sample_id);

CREATE FUNCTION rvi_lab_results_judge() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_limit numeric;
BEGIN
  IF NEW.rule_version IS NULL THEN
    SELECT max(version) INTO NEW.rule_version FROM lab_rules
      WHERE element = NEW.element AND valid_from <= NEW.entered_at::date;
  END IF;
  SELECT max_mass_fraction_pct INTO v_limit FROM lab_rules
    WHERE version = NEW.rule_version AND element = NEW.element;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no lab rule for element' USING ERRCODE = 'foreign_key_violation',
      DETAIL = format('element %s, rule version %s', NEW.element,
                      coalesce(NEW.rule_version::text, 'none in force'));
  END IF;
  NEW.pass := NEW.value_pct <= v_limit;
  RETURN NEW;
END
$$;
CREATE TRIGGER lab_results_judge BEFORE INSERT ON lab_results
  FOR EACH ROW EXECUTE FUNCTION rvi_lab_results_judge();
CREATE TRIGGER lab_results_append_only BEFORE UPDATE OR DELETE ON lab_results
  FOR EACH ROW EXECUTE FUNCTION rvi_reject_change('lab results are append-only');
CREATE TRIGGER lab_results_no_truncate BEFORE TRUNCATE ON lab_results
  FOR EACH STATEMENT EXECUTE FUNCTION rvi_reject_change('lab results are append-only');

-- Live updates (see the top of this file).
CREATE TRIGGER lots_notify AFTER INSERT ON lots
  FOR EACH ROW EXECUTE FUNCTION rvi_notify_event('lot');
CREATE TRIGGER lots_status_notify AFTER UPDATE OF status ON lots
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION rvi_notify_event('lot_status');
CREATE TRIGGER wagons_notify AFTER INSERT ON wagons
  FOR EACH ROW EXECUTE FUNCTION rvi_notify_event('wagon');
CREATE TRIGGER inspections_notify AFTER INSERT ON inspections
  FOR EACH ROW EXECUTE FUNCTION rvi_notify_event('inspection');
CREATE TRIGGER inspections_signed_notify AFTER UPDATE OF signed_at ON inspections
  FOR EACH ROW WHEN (OLD.signed_at IS NULL AND NEW.signed_at IS NOT NULL)
  EXECUTE FUNCTION rvi_notify_event('inspection_signed');
CREATE TRIGGER marks_notify AFTER INSERT ON marks
  FOR EACH ROW EXECUTE FUNCTION rvi_notify_event('mark');
CREATE TRIGGER decisions_notify AFTER INSERT ON decisions
  FOR EACH ROW EXECUTE FUNCTION rvi_notify_event('decision');
CREATE TRIGGER decision_approvals_notify AFTER INSERT ON decision_approvals
  FOR EACH ROW EXECUTE FUNCTION rvi_notify_event('decision_approval');
CREATE TRIGGER lab_results_notify AFTER INSERT ON lab_results
  FOR EACH ROW EXECUTE FUNCTION rvi_notify_event('lab_result');
