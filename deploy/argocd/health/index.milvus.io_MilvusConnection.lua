-- Argo CD health of a MilvusConnection (index.milvus.io/v1alpha1), from its kstatus conditions.
-- Progressing: the operator has not yet observed this generation, or Reconciling=True (Milvus
-- unreachable, or a Secret that does not exist yet: it may still come from external-secrets).
-- Degraded: Stalled=True (credentials refused, a Secret without the needed key). Healthy: Ready=True.
-- A connection has no pause, so it is never Suspended.
-- Runs in Argo CD's Lua (5.1) and in Lua 5.3; tested in test/unit/argocd-health.test.ts.
local hs = { status = "Progressing", message = "Waiting for the operator to report status" }

local function condition(conditions, kind)
  if conditions == nil then return nil end
  for _, c in ipairs(conditions) do
    if c.type == kind then return c end
  end
  return nil
end

local generation = obj.metadata.generation
local status = obj.status

if status == nil or status.observedGeneration == nil or status.observedGeneration ~= generation then
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  return hs
end

local ready = condition(status.conditions, "Ready")
local stalled = condition(status.conditions, "Stalled")
local reconciling = condition(status.conditions, "Reconciling")
if stalled ~= nil and stalled.status == "True" and stalled.observedGeneration == generation then
  hs.status = "Degraded"
  hs.message = stalled.message
  return hs
end
if ready ~= nil and ready.status == "True" and ready.observedGeneration == generation then
  hs.status = "Healthy"
  hs.message = ready.message
  return hs
end
if reconciling ~= nil and reconciling.status == "True" then
  hs.message = reconciling.message
elseif ready ~= nil and ready.message ~= nil then
  hs.message = ready.message
end
return hs
