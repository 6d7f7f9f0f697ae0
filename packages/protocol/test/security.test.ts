import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import {
  bearerMetadata,
  bearerToken,
  channelCredentials,
  serverCredentials,
  tlsFilesFromConfig,
  TlsConfigError,
  tokenMatches,
} from '../src';

test('tokenMatches: only the exact token matches, whatever the length or where it differs', () => {
  const token = 's3cret-Token-✓';
  assert.equal(tokenMatches(token, token), true);
  for (const wrong of [
    undefined,
    '',
    's3cret-Token-',
    `${token}x`,
    'S3cret-Token-✓',
    'x3cret-Token-✓',
    token.normalize('NFD') === token ? 'other' : token.normalize('NFD'),
    ' '.repeat(10000),
  ])
    assert.equal(tokenMatches(token, wrong), false, JSON.stringify(wrong));
});

test('bearerToken reads "Bearer <token>" case-insensitively and nothing else', () => {
  assert.equal(bearerToken(bearerMetadata('abc')), 'abc');
  const m = new grpc.Metadata();
  m.set('authorization', 'bearer   xyz');
  assert.equal(bearerToken(m), 'xyz');
  for (const v of ['Basic abc', 'Bearer', 'Bearer ', 'abc']) {
    const x = new grpc.Metadata();
    x.set('authorization', v);
    assert.equal(bearerToken(x), undefined, v);
  }
  assert.equal(bearerToken(new grpc.Metadata()), undefined);
});

test('tlsFilesFromConfig: off when unset, complete settings accepted, partial or mistyped ones refused naming the key', () => {
  assert.equal(tlsFilesFromConfig({}), undefined);
  assert.equal(tlsFilesFromConfig({ 'squall.tls.ca': null, 'squall.tls.cert': '' }), undefined);
  assert.deepEqual(tlsFilesFromConfig({ 'squall.tls.ca': '/ca.pem' }), { ca: '/ca.pem' });
  assert.deepEqual(
    tlsFilesFromConfig({ 'squall.tls.ca': '/ca.pem', 'squall.tls.cert': '/c.pem', 'squall.tls.key': '/k.pem' }),
    { ca: '/ca.pem', cert: '/c.pem', key: '/k.pem' },
  );
  assert.throws(
    () => tlsFilesFromConfig({ 'squall.tls.ca': '/ca.pem', 'squall.tls.cert': '/c.pem' }),
    /squall\.tls\.cert and squall\.tls\.key must be set together/,
  );
  assert.throws(
    () => tlsFilesFromConfig({ 'squall.tls.cert': '/c.pem', 'squall.tls.key': '/k.pem' }),
    /squall\.tls\.ca must be set when TLS is on/,
  );
  assert.throws(
    () => tlsFilesFromConfig({ 'squall.tls.ca': 42 }),
    (e: unknown) => e instanceof TlsConfigError && /squall\.tls\.ca must be a string, got 42/.test(e.message),
  );
});

test('credentials: plaintext without TLS files; unreadable files and a daemon without a certificate are clear errors', () => {
  assert.ok(channelCredentials(undefined) instanceof grpc.ChannelCredentials);
  assert.ok(serverCredentials(undefined) instanceof grpc.ServerCredentials);
  assert.throws(
    () => channelCredentials({ ca: '/nonexistent/ca.pem' }),
    /cannot read squall\.tls\.ca file \/nonexistent\/ca\.pem: ENOENT/,
  );
  assert.throws(
    () => serverCredentials({ ca: '/nonexistent/ca.pem' }),
    /a daemon needs squall\.tls\.cert and squall\.tls\.key too/,
  );
  assert.throws(() => serverCredentials({ ca: '/nonexistent/ca.pem', cert: '/x', key: '/y' }), TlsConfigError);
});
