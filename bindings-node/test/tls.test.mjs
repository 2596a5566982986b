// TLS: a private CA given as a file, as PEM text, through COLONIES_CA_FILE or through the
// system store (SSL_CERT_FILE), and the bad-TLS catalogue of docs/errors.md.
//
// Most tests need the TLS test instance (`make test-tls` points COLONYKIT_SERVER_ENV at
// tests/server/run-tls/server.env); against the plain instance they are skipped.

import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { execFile } from 'node:child_process'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import tls from 'node:tls'
import { promisify } from 'node:util'

import { Client, ConnectionError, InvalidArgumentError, TlsError, generateKey } from 'colonykit'
import { SERVER, REPO, serverEnv } from './helper.mjs'

const settings = serverEnv()
const isTls = settings.COLONIES_TLS === 'true'
const skip = isTls ? false : 'needs the TLS test instance (make test-tls)'
const certs = isTls ? dirname(settings.COLONIES_CA_FILE) : ''
const cert = (name) => join(certs, name)

/** The TLS error of one call, checked to name the server. */
async function tlsError(client, address) {
  let caught
  await assert.rejects(client.serverVersion(), (error) => {
    caught = error
    return error instanceof TlsError
  })
  assert.equal(caught.code, 'Tls')
  assert.ok(caught.message.includes(address), caught.message)
  return caught.message
}

/** A listening server's address with `scheme`. */
async function listening(server, scheme) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `${scheme}://127.0.0.1:${server.address().port}`
}

test('a private CA from a file or PEM text is trusted', { skip }, async () => {
  await new Client({ server: SERVER, caFile: cert('ca.pem') }).serverVersion()
  await new Client({ server: SERVER, caPem: readFileSync(cert('ca.pem'), 'utf8') }).serverVersion()
})

test('an unknown issuer is a TlsError', { skip }, async () => {
  const message = await tlsError(new Client({ server: SERVER }), SERVER)
  assert.match(message, /unknown issuer.*COLONIES_CA_FILE/)
  assert.match(await tlsError(new Client({ server: SERVER, caFile: cert('other-ca.pem') }), SERVER), /unknown issuer/)
})

test('a wrong host name is a TlsError', { skip }, async () => {
  // 127.0.0.2 reaches the same server; the certificate names localhost and 127.0.0.1.
  const wrong = `https://127.0.0.2:${new URL(SERVER).port}`
  const message = await tlsError(new Client({ server: wrong, caFile: cert('ca.pem') }), wrong)
  assert.ok(message.includes('not valid for the name "127.0.0.2"'), message)
})

test('an expired certificate is a TlsError', { skip }, async (t) => {
  const server = tls.createServer({ cert: readFileSync(cert('expired.pem')), key: readFileSync(cert('expired.key')) })
  server.on('tlsClientError', () => {})
  const address = await listening(server, 'https')
  t.after(() => server.close())
  assert.match(await tlsError(new Client({ server: address, caFile: cert('ca.pem') }), address), /has expired/)
})

test('a plain HTTP server behind https is a TlsError', async (t) => {
  const server = net.createServer((socket) => {
    socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'))
    socket.on('error', () => {})
  })
  const address = await listening(server, 'https')
  t.after(() => server.close())
  assert.match(await tlsError(new Client({ server: address }), address), /does not speak TLS/)
})

test('a TLS server behind http is a TlsError', { skip }, async () => {
  const plain = SERVER.replace('https://', 'http://')
  const message = await tlsError(new Client({ server: plain }), plain)
  assert.match(message, /speaks TLS.*use https:\/\//)
})

test('an unreadable CA file, or a PEM that is not a certificate, is a TlsError', () => {
  assert.throws(() => new Client({ server: 'https://127.0.0.1:1', caFile: '/nonexistent/ca.pem' }), (error) =>
    error instanceof TlsError && /cannot read the CA file \/nonexistent\/ca.pem/.test(error.message))
  const key = generateKey()
  const pem = `-----BEGIN PRIVATE KEY-----\n${key}\n-----END PRIVATE KEY-----\n`
  assert.throws(() => new Client({ server: 'https://127.0.0.1:1', caPem: pem }), (error) =>
    error instanceof TlsError && /holds no certificate/.test(error.message) && !error.message.includes(key))
  assert.throws(() => new Client({ server: 'https://127.0.0.1:1', clientCert: 'c.pem' }), InvalidArgumentError)
  assert.throws(() => new Client({ server: 'https://127.0.0.1:1', caFile: 7 }), TypeError)
  assert.throws(() => new Client({ server: 'https://127.0.0.1:1', dangerSkipTlsVerify: 'yes' }), TypeError)
  assert.ok(!(new TlsError('x') instanceof ConnectionError))
})

test('skipping verification takes the dangerous option', { skip }, async () => {
  await new Client({ server: SERVER, dangerSkipTlsVerify: true }).serverVersion()
})

const PROGRAM = `
const { Client, TlsError } = require('colonykit')
Client.fromEnv().serverVersion().then(
  () => console.log('connected'),
  (error) => console.log(error instanceof TlsError ? 'TlsError ' + error.message : 'other ' + error))
`

async function runProgram(env) {
  const url = new URL(SERVER)
  const environment = { ...process.env, COLONIES_SERVER_HOST: url.hostname, COLONIES_SERVER_PORT: url.port, COLONIES_TLS: 'true', ...env }
  for (const name of ['COLONIES_CA_FILE', 'SSL_CERT_FILE', 'SSL_CERT_DIR']) if (!(name in env)) delete environment[name]
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', PROGRAM], {
    env: environment,
    cwd: join(REPO, 'bindings-node'),
    timeout: 60_000,
  })
  return stdout.trim()
}

test('a program connects through COLONIES_CA_FILE alone', { skip }, async () => {
  assert.equal(await runProgram({ COLONIES_CA_FILE: cert('ca.pem') }), 'connected')
  assert.match(await runProgram({}), /^TlsError/)
})

test('a program connects through the system store (SSL_CERT_FILE)', { skip }, async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'colonykit-tls-'))
  t.after(() => rmSync(folder, { recursive: true, force: true }))
  const system = '/etc/ssl/certs/ca-certificates.crt'
  const bundle = join(folder, 'bundle.pem')
  writeFileSync(bundle, (existsSync(system) ? readFileSync(system, 'utf8') : '') + readFileSync(cert('ca.pem'), 'utf8'))
  assert.equal(await runProgram({ SSL_CERT_FILE: bundle }), 'connected')
})

test('a client certificate goes to a front that asks for one', { skip }, async () => {
  const mtls = `https://${new URL(SERVER).hostname}:${settings.COLONYKIT_MTLS_PORT}`
  const caFile = cert('ca.pem')
  await new Client({ server: mtls, caFile, clientCert: cert('client.pem'), clientKey: cert('client.key') }).serverVersion()
  assert.match(await tlsError(new Client({ server: mtls, caFile }), mtls), /client certificate/)
})
