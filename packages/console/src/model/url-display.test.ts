import { describe, expect, test } from 'vitest';
import { urlPath } from './url-display.js';

describe('urlPath', () => {
  test('drops scheme, host and port, keeps path and query', () => {
    expect(urlPath('http://127.0.0.1:34389/orders/boom-1')).toBe('/orders/boom-1');
    expect(urlPath('https://api.example.com/a/b?x=1&y=2')).toBe('/a/b?x=1&y=2');
    expect(urlPath('HTTPS://Example.com')).toBe('/');
  });

  test('leaves values that are not absolute http URLs alone', () => {
    expect(urlPath('/already/a/path')).toBe('/already/a/path');
    expect(urlPath('grpc://svc/Method')).toBe('grpc://svc/Method');
    expect(urlPath('')).toBe('');
  });
});
