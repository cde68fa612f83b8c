// The page's real Web Bluetooth path against devices emulated by Chromium's CDP BluetoothEmulation
// domain (browser-level session; the device chooser through the page's DeviceAccess domain). This
// Chromium's emulation connects, discovers services, subscribes and takes writes, but cannot send
// notifications or indications: no ECG frame and no control-point answer can reach the page this way
// (tests/browser/live.test.mjs streams data through a navigator.bluetooth test double instead). So this
// checks what goes over the air: the H10 is subscribed and sent get-settings, and when it does not
// answer the page reports it and still sends stop; a strap without PMD falls back to the Heart Rate
// service and is unsubscribed on disconnect.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { loadEcgScreen } from '../../web/lib/ecg-screen.js';
import { foreignRequests, openApp } from './helpers.mjs';

const { pmd, heartRate } = (await loadEcgScreen({ models: [] })).bleProtocol;
const CCCD = '00002902-0000-1000-8000-00805f9b34fb';
const H10 = { address: 'A0:9E:1A:00:00:01', name: 'Polar H10 CDP00001' };
const STRAP = { address: 'C0:FF:EE:00:00:02', name: 'Strap CDP 2' };

let app;
let bluetooth;
let pageCdp;
const operations = [];      // what the emulated devices received, in order
const characteristic = {};  // CDP characteristic id -> readable name
let chosen = null;

before(async () => {
  app = await openApp({ args: ['--enable-features=WebBluetooth'] });  // Debian's Chromium has Web Bluetooth off by default
  bluetooth = await app.browser.newBrowserCDPSession();
  // Every GATT operation succeeds; characteristic operations are logged with their bytes.
  bluetooth.on('BluetoothEmulation.gattOperationReceived', ({ address, type }) => {
    bluetooth.send('BluetoothEmulation.simulateGATTOperationResponse', { address, type, code: 0 }).catch(() => {});
  });
  bluetooth.on('BluetoothEmulation.characteristicOperationReceived', ({ characteristicId, type, data }) => {
    const bytes = data ? [...Buffer.from(data, 'base64')].map((b) => b.toString(16).padStart(2, '0')).join(' ') : '';
    operations.push(`${characteristic[characteristicId]} ${type}${bytes ? ` ${bytes}` : ''}`);
    bluetooth.send('BluetoothEmulation.simulateCharacteristicOperationResponse', { characteristicId, type, code: 0 }).catch(() => {});
  });
  bluetooth.on('BluetoothEmulation.descriptorOperationReceived', ({ descriptorId, type }) => {
    bluetooth.send('BluetoothEmulation.simulateDescriptorOperationResponse', { descriptorId, type, code: 0 }).catch(() => {});
  });

  // The device chooser: pick the device the test names (each prompt is answered once).
  pageCdp = await app.context.newCDPSession(app.page);
  await pageCdp.send('DeviceAccess.enable');
  const answered = new Set();
  pageCdp.on('DeviceAccess.deviceRequestPrompted', ({ id, devices }) => {
    const device = devices.find((d) => d.id === chosen?.address);
    if (answered.has(id) || !device) return;
    answered.add(id);
    pageCdp.send('DeviceAccess.selectPrompt', { id, deviceId: device.id }).catch(() => {});
  });
});
after(async () => { await app?.close(); });

// Fresh emulated devices for each test: once one test had connected, this Chromium answered the next
// test's requestDevice with "Bluetooth adapter not available" until emulation was enabled again.
async function emulateDevices() {
  await bluetooth.send('BluetoothEmulation.disable').catch(() => {});
  await bluetooth.send('BluetoothEmulation.enable', { state: 'powered-on', leSupported: true });
  const addCharacteristic = async (serviceId, uuid, properties, name) => {
    const { characteristicId } = await bluetooth.send('BluetoothEmulation.addCharacteristic', { serviceId, characteristicUuid: uuid, properties });
    await bluetooth.send('BluetoothEmulation.addDescriptor', { characteristicId, descriptorUuid: CCCD });
    characteristic[characteristicId] = name;
  };
  const addHeartRate = async (address, prefix) => {
    const { serviceId } = await bluetooth.send('BluetoothEmulation.addService', { address, serviceUuid: heartRate.service });
    await addCharacteristic(serviceId, heartRate.measurement, { notify: true }, `${prefix} heart rate measurement`);
  };
  await bluetooth.send('BluetoothEmulation.simulatePreconnectedPeripheral',
    { ...H10, manufacturerData: [], knownServiceUuids: [pmd.service, heartRate.service] });
  const { serviceId } = await bluetooth.send('BluetoothEmulation.addService', { address: H10.address, serviceUuid: pmd.service });
  await addCharacteristic(serviceId, pmd.controlPoint, { read: true, write: true, notify: true, indicate: true }, 'H10 control point');
  await addCharacteristic(serviceId, pmd.data, { notify: true }, 'H10 data');
  await addHeartRate(H10.address, 'H10');
  await bluetooth.send('BluetoothEmulation.simulatePreconnectedPeripheral',
    { ...STRAP, manufacturerData: [], knownServiceUuids: [heartRate.service] });
  await addHeartRate(STRAP.address, 'strap');
}

async function connect(device) {
  const { page, server } = app;
  operations.length = 0;
  chosen = device;
  await page.goto(server.url);
  await emulateDevices();
  await page.waitForSelector('#live-connect:not([disabled])', { timeout: 30_000 });
  await page.click('#live-connect');
}

test('CDP-emulated Polar H10: subscribed, sent get-settings; without an answer the page says so and sends stop', async () => {
  const { page } = app;
  await connect(H10);
  await page.waitForFunction(() => /^Could not connect/.test(document.getElementById('live-status').textContent), null, { timeout: 30_000 });
  assert.equal(await page.textContent('#live-status'),
    'Could not connect: Polar H10 CDP00001 did not answer the ECG settings request within 5 s');
  await page.waitForFunction(() => !document.getElementById('live-connect').disabled);
  assert.deepEqual(operations, [
    'H10 control point subscribe-to-notifications',
    'H10 data subscribe-to-notifications',
    'H10 control point write 01 00',
    'H10 control point write 03 00',
  ]);
});

test('CDP-emulated strap without PMD: the Heart Rate service is used, and unsubscribed on disconnect', async () => {
  const { page, server, requests, errors } = app;
  await connect(STRAP);
  await page.waitForFunction(() => /^Connected to /.test(document.getElementById('live-status').textContent), null, { timeout: 30_000 });
  assert.match(await page.textContent('#live-status'), /^Connected to Strap CDP 2: heart rate and RR intervals \(Heart Rate service\)/);
  await page.click('#live-disconnect');
  await page.waitForFunction(() => /^Disconnected from Strap CDP 2/.test(document.getElementById('live-status').textContent));
  assert.deepEqual(operations, ['strap heart rate measurement subscribe-to-notifications', 'strap heart rate measurement unsubscribe-from-notifications']);
  assert.deepEqual(errors, []);
  assert.deepEqual(foreignRequests(requests, server.url), []);
});
