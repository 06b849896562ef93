// The part of fengari (a Lua 5.3 VM in JavaScript) the health-script tests use; the package ships no types.
declare module 'fengari' {
  export type LuaState = { readonly __luaState: unique symbol };
  export function to_luastring(s: string): Uint8Array;
  export const lua: {
    LUA_OK: number;
    LUA_TTABLE: number;
    LUA_TSTRING: number;
    lua_newtable(L: LuaState): void;
    lua_pushstring(L: LuaState, s: Uint8Array): void;
    lua_pushnumber(L: LuaState, n: number): void;
    lua_pushinteger(L: LuaState, n: number): void;
    lua_pushboolean(L: LuaState, b: boolean): void;
    lua_setfield(L: LuaState, index: number, key: Uint8Array): void;
    lua_rawseti(L: LuaState, index: number, i: number): void;
    lua_setglobal(L: LuaState, name: Uint8Array): void;
    lua_getfield(L: LuaState, index: number, key: Uint8Array): number;
    lua_pcall(L: LuaState, nargs: number, nresults: number, msgh: number): number;
    lua_type(L: LuaState, index: number): number;
    lua_tojsstring(L: LuaState, index: number): string;
    lua_pop(L: LuaState, n: number): void;
  };
  export const lauxlib: {
    luaL_newstate(): LuaState;
    luaL_loadstring(L: LuaState, s: Uint8Array): number;
  };
  export const lualib: {
    luaL_openlibs(L: LuaState): void;
  };
}
