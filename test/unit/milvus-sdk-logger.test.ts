// src/milvus/sdk-logger.ts: the SDK's per-call debug entries are not formatted while debug is off, and still
// are when someone turns debug on.
import { logger as sdkLogger } from '@zilliz/milvus2-sdk-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { gateSdkDebugLogs, type LevelledLogger } from '../../src/milvus/sdk-logger.js';

describe('gateSdkDebugLogs', () => {
  afterEach(() => vi.restoreAllMocks());

  it('drops debug entries before formatting while the level is above debug; passes them on at debug; idempotent', () => {
    let level = 'warn';
    const formatted: unknown[][] = [];
    const fake: LevelledLogger = { debug: (...args: never[]) => formatted.push(args), isLevelEnabled: (l) => l === 'debug' ? level === 'debug' : true };
    gateSdkDebugLogs(fake);
    gateSdkDebugLogs(fake);
    (fake.debug as (m: string) => unknown)('a request');
    expect(formatted).toEqual([]);
    level = 'debug';
    (fake.debug as (m: string) => unknown)('a request');
    expect(formatted, 'one entry, not two: the gate wraps once').toEqual([['a request']]);
  });

  it('the SDK’s own winston logger: nothing reaches its stream at warn, entries do at debug', () => {
    gateSdkDebugLogs();
    const write = vi.spyOn(sdkLogger, 'write').mockImplementation(() => true);
    const before = sdkLogger.level;
    try {
      sdkLogger.level = 'warn';
      sdkLogger.debug('[Request] describeIndex');
      expect(write).not.toHaveBeenCalled();
      sdkLogger.warn('a warning');
      expect(write).toHaveBeenCalledTimes(1);
      sdkLogger.level = 'debug';
      sdkLogger.debug('[Request] describeIndex');
      expect(write).toHaveBeenCalledTimes(2);
    } finally {
      sdkLogger.level = before;
    }
  });
});
