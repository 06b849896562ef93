// Runs an Argo CD health script (Lua) in a real Lua VM (fengari, Lua 5.3), the way Argo CD does: the
// resource as the global `obj` (JSON objects → tables, arrays → 1-based tables), the returned table's
// `status` and `message` read back.
import { lauxlib, lua, lualib, to_luastring, type LuaState } from 'fengari';

export interface HealthStatus {
  status: string;
  message: string | undefined;
}

function push(L: LuaState, value: unknown): void {
  if (Array.isArray(value)) {
    lua.lua_newtable(L);
    value.forEach((v, i) => { push(L, v); lua.lua_rawseti(L, -2, i + 1); });
  } else if (value && typeof value === 'object') {
    lua.lua_newtable(L);
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || v === null) continue;
      push(L, v);
      lua.lua_setfield(L, -2, to_luastring(k));
    }
  } else if (typeof value === 'string') {
    lua.lua_pushstring(L, to_luastring(value));
  } else if (typeof value === 'number') {
    if (Number.isInteger(value)) lua.lua_pushinteger(L, value); else lua.lua_pushnumber(L, value);
  } else if (typeof value === 'boolean') {
    lua.lua_pushboolean(L, value);
  } else {
    throw new Error(`cannot pass ${typeof value} to Lua`);
  }
}

function stringField(L: LuaState, key: string): string | undefined {
  const t = lua.lua_getfield(L, -1, to_luastring(key));
  const out = t === lua.LUA_TSTRING ? lua.lua_tojsstring(L, -1) : undefined;
  lua.lua_pop(L, 1);
  return out;
}

/** Evaluates `script` for `obj`; throws with Lua's message when the script fails or returns no table. */
export function runHealthScript(script: string, obj: unknown): HealthStatus {
  const L = lauxlib.luaL_newstate();
  lualib.luaL_openlibs(L);
  push(L, JSON.parse(JSON.stringify(obj)));
  lua.lua_setglobal(L, to_luastring('obj'));
  if (lauxlib.luaL_loadstring(L, to_luastring(script)) !== lua.LUA_OK || lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK) {
    throw new Error(`Lua error: ${lua.lua_tojsstring(L, -1)}`);
  }
  if (lua.lua_type(L, -1) !== lua.LUA_TTABLE) throw new Error('the health script returned no table');
  const status = stringField(L, 'status');
  if (status === undefined) throw new Error('the health script returned no status');
  return { status, message: stringField(L, 'message') };
}
