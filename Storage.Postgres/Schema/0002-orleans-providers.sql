-- Tables and query texts for the Orleans ADO.NET providers (grain storage, clustering, reminders), written for
-- Concord against the providers' contract (docs/operations.md, "Schema"). The providers read every query text from
-- orleansquery at start-up and bind parameters by name (@Name); the names below are the ones Orleans 10.4 binds.
-- Tables are unquoted (lower case) because the providers look orleansquery up unquoted, through the search path.
-- Times are timestamptz: Orleans sends UTC DateTimes.

CREATE TABLE orleansquery (querykey varchar(64) PRIMARY KEY, querytext text NOT NULL);

-- Grain state: snapshots, replication cursors, derived views, and the transactional state of holds and handle
-- ownership. version is the ETag: a write names the version it read, and a stale write matches no row.
CREATE TABLE orleansstorage (
  serviceid text NOT NULL, graintypehash int NOT NULL, graintypestring text NOT NULL,
  grainidhash int NOT NULL, grainidn0 bigint NOT NULL, grainidn1 bigint NOT NULL,
  grainidextensionstring text NULL, payloadbinary bytea NULL, version int NOT NULL,
  modifiedon timestamptz NOT NULL DEFAULT now());
CREATE UNIQUE INDEX ux_orleansstorage ON orleansstorage
  (serviceid, graintypehash, grainidhash, grainidn0, grainidn1, graintypestring, grainidextensionstring) NULLS NOT DISTINCT;

-- Membership: one version row per cluster (a region is one cluster); every membership change bumps it, and a
-- change made against a stale version matches nothing and returns 0, so Orleans re-reads and retries.
CREATE TABLE orleansmembershipversiontable (deploymentid text PRIMARY KEY, "timestamp" timestamptz NOT NULL DEFAULT now(), version int NOT NULL DEFAULT 0);
CREATE TABLE orleansmembershiptable (
  deploymentid text NOT NULL REFERENCES orleansmembershipversiontable(deploymentid),
  address text NOT NULL, port int NOT NULL, generation int NOT NULL,
  siloname text NOT NULL, hostname text NOT NULL, status int NOT NULL, proxyport int NOT NULL DEFAULT 0,
  suspecttimes text NULL, starttime timestamptz NOT NULL, iamalivetime timestamptz NOT NULL,
  PRIMARY KEY (deploymentid, address, port, generation));

-- Reminders: durable timers (batch-transfer recovery uses one per account with outstanding holds).
CREATE TABLE orleansreminderstable (
  serviceid text NOT NULL, grainid text NOT NULL, remindername text NOT NULL,
  starttime timestamptz NOT NULL, period bigint NOT NULL, grainhash int NOT NULL, version int NOT NULL,
  PRIMARY KEY (serviceid, grainid, remindername));
CREATE INDEX ix_reminders_hash ON orleansreminderstable (serviceid, grainhash);

INSERT INTO orleansquery VALUES
('WriteToStorageKey', $q$
WITH upd AS (
  UPDATE orleansstorage SET payloadbinary = @PayloadBinary, version = version + 1, modifiedon = now()
  WHERE @GrainStateVersion IS NOT NULL AND serviceid = @ServiceId AND graintypehash = @GrainTypeHash
    AND grainidhash = @GrainIdHash AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
    AND graintypestring = @GrainTypeString AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
    AND version = @GrainStateVersion
  RETURNING version),
ins AS (
  INSERT INTO orleansstorage (serviceid, graintypehash, graintypestring, grainidhash, grainidn0, grainidn1, grainidextensionstring, payloadbinary, version)
  SELECT @ServiceId, @GrainTypeHash, @GrainTypeString, @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString, @PayloadBinary, 1
  WHERE @GrainStateVersion IS NULL
  ON CONFLICT DO NOTHING
  RETURNING version)
SELECT version AS NewGrainStateVersion FROM upd UNION ALL SELECT version FROM ins
$q$),
('ReadFromStorageKey', $q$
SELECT payloadbinary AS PayloadBinary, version AS Version FROM orleansstorage
WHERE serviceid = @ServiceId AND graintypehash = @GrainTypeHash AND grainidhash = @GrainIdHash
  AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1 AND graintypestring = @GrainTypeString
  AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
$q$),
('ClearStorageKey', $q$
UPDATE orleansstorage SET payloadbinary = NULL, version = version + 1, modifiedon = now()
WHERE serviceid = @ServiceId AND graintypehash = @GrainTypeHash AND grainidhash = @GrainIdHash
  AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1 AND graintypestring = @GrainTypeString
  AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString AND version = @GrainStateVersion
RETURNING version
$q$),
('DeleteStorageKey', $q$
DELETE FROM orleansstorage
WHERE serviceid = @ServiceId AND graintypehash = @GrainTypeHash AND grainidhash = @GrainIdHash
  AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1 AND graintypestring = @GrainTypeString
  AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString AND version = @GrainStateVersion
RETURNING version + 1
$q$),
('InsertMembershipVersionKey', $q$
WITH ins AS (INSERT INTO orleansmembershipversiontable (deploymentid) VALUES (@DeploymentId) ON CONFLICT DO NOTHING RETURNING 1)
SELECT count(*)::int FROM ins
$q$),
('InsertMembershipKey', $q$
WITH bump AS (
  UPDATE orleansmembershipversiontable SET version = version + 1, "timestamp" = now()
  WHERE deploymentid = @DeploymentId AND version = @Version
    AND NOT EXISTS (SELECT 1 FROM orleansmembershiptable m WHERE m.deploymentid = @DeploymentId
                    AND m.address = @Address AND m.port = @Port AND m.generation = @Generation)
  RETURNING deploymentid),
ins AS (
  INSERT INTO orleansmembershiptable (deploymentid, address, port, generation, siloname, hostname, status, proxyport, starttime, iamalivetime)
  SELECT deploymentid, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime FROM bump
  ON CONFLICT DO NOTHING RETURNING 1)
SELECT count(*)::int FROM ins
$q$),
('UpdateMembershipKey', $q$
WITH bump AS (
  UPDATE orleansmembershipversiontable SET version = version + 1, "timestamp" = now()
  WHERE deploymentid = @DeploymentId AND version = @Version
    AND EXISTS (SELECT 1 FROM orleansmembershiptable m WHERE m.deploymentid = @DeploymentId
                AND m.address = @Address AND m.port = @Port AND m.generation = @Generation)
  RETURNING deploymentid),
upd AS (
  UPDATE orleansmembershiptable m SET status = @Status, suspecttimes = @SuspectTimes, iamalivetime = @IAmAliveTime
  FROM bump WHERE m.deploymentid = bump.deploymentid AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
  RETURNING 1)
SELECT count(*)::int FROM upd
$q$),
('UpdateIAmAlivetimeKey', $q$
UPDATE orleansmembershiptable SET iamalivetime = GREATEST(iamalivetime, @IAmAliveTime)
WHERE deploymentid = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
$q$),
('MembershipReadRowKey', $q$
SELECT v.deploymentid, m.address, m.port, m.generation, m.siloname, m.hostname, m.status, m.proxyport,
       m.suspecttimes, m.starttime, m.iamalivetime, v.version
FROM orleansmembershipversiontable v
LEFT JOIN orleansmembershiptable m ON m.deploymentid = v.deploymentid
  AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
WHERE v.deploymentid = @DeploymentId
$q$),
('MembershipReadAllKey', $q$
SELECT v.deploymentid, m.address, m.port, m.generation, m.siloname, m.hostname, m.status, m.proxyport,
       m.suspecttimes, m.starttime, m.iamalivetime, v.version
FROM orleansmembershipversiontable v
LEFT JOIN orleansmembershiptable m ON m.deploymentid = v.deploymentid
WHERE v.deploymentid = @DeploymentId
$q$),
('DeleteMembershipTableEntriesKey', $q$
DELETE FROM orleansmembershiptable WHERE deploymentid = @DeploymentId;
DELETE FROM orleansmembershipversiontable WHERE deploymentid = @DeploymentId
$q$),
('GatewaysQueryKey', $q$
SELECT address, proxyport, generation FROM orleansmembershiptable
WHERE deploymentid = @DeploymentId AND status = @Status AND proxyport > 0
$q$),
('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM orleansmembershiptable
WHERE deploymentid = @DeploymentId AND status = 6 AND iamalivetime < @IAmAliveTime
$q$),
('CleanupDefunctSiloEntryKey', $q$
DELETE FROM orleansmembershiptable
WHERE deploymentid = @DeploymentId AND status = 6 AND address = @Address AND port = @Port AND generation = @Generation
  AND starttime = @StartTime AND iamalivetime = @IAmAliveTime AND suspecttimes IS NOT DISTINCT FROM @SuspectTimes
$q$),
('UpsertReminderRowKey', $q$
INSERT INTO orleansreminderstable AS r (serviceid, grainid, remindername, starttime, period, grainhash, version)
VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT (serviceid, grainid, remindername) DO UPDATE
  SET starttime = excluded.starttime, period = excluded.period, grainhash = excluded.grainhash, version = r.version + 1
RETURNING r.version AS Version
$q$),
('ReadReminderRowsKey', $q$
SELECT grainid, remindername, starttime, period, version FROM orleansreminderstable
WHERE serviceid = @ServiceId AND grainid = @GrainId
$q$),
('ReadReminderRowKey', $q$
SELECT grainid, remindername, starttime, period, version FROM orleansreminderstable
WHERE serviceid = @ServiceId AND grainid = @GrainId AND remindername = @ReminderName
$q$),
('ReadRangeRows1Key', $q$
SELECT grainid, remindername, starttime, period, version FROM orleansreminderstable
WHERE serviceid = @ServiceId AND grainhash > @BeginHash AND grainhash <= @EndHash
$q$),
('ReadRangeRows2Key', $q$
SELECT grainid, remindername, starttime, period, version FROM orleansreminderstable
WHERE serviceid = @ServiceId AND (grainhash > @BeginHash OR grainhash <= @EndHash)
$q$),
('DeleteReminderRowKey', $q$
WITH d AS (DELETE FROM orleansreminderstable WHERE serviceid = @ServiceId AND grainid = @GrainId
           AND remindername = @ReminderName AND version = @Version RETURNING 1)
SELECT count(*)::int FROM d
$q$),
('DeleteReminderRowsKey', $q$
DELETE FROM orleansreminderstable WHERE serviceid = @ServiceId
$q$);
