-- Argo CD health of a MilvusIndex (index.milvus.io/v1alpha1), from its kstatus conditions.
-- Suspended: the index.milvus.io/paused annotation is "true" (the operator observes only).
-- Progressing: the operator has not yet observed this generation, or Reconciling=True.
-- Degraded: Stalled=True (the message says what a person must do). Healthy: Ready=True.
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
local annotations = obj.metadata.annotations
local status = obj.status
local ready = nil
if status ~= nil then ready = condition(status.conditions, "Ready") end

if annotations ~= nil and annotations["index.milvus.io/paused"] == "true" then
  hs.status = "Suspended"
  if ready ~= nil and ready.message ~= nil then
    hs.message = ready.message
  else
    hs.message = "Paused: the index.milvus.io/paused annotation is set"
  end
  return hs
end

if status == nil or status.observedGeneration == nil or status.observedGeneration ~= generation then
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  return hs
end

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
