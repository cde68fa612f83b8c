// A test double of navigator.bluetooth, injected before the page's scripts (page.addInitScript): a
// Polar H10 (PMD service + Heart Rate service) that answers control-point commands as the Polar SDK
// describes and, once started, notifies the given PMD frames at `speed` times real time; and a plain
// strap with only the Heart Rate service that notifies the given Heart Rate Measurement values. Every
// write is reported to window.__bleWrite (a Playwright binding), so it is seen even as the page unloads.
// Used by tests/browser/live.test.mjs; the bytes come from tests/js/live-replay.mjs.
({ pmd, heartRate, frames, hrValues, speed }) => {
  const decode = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  const notFound = (what) => new DOMException(`No ${what} found in device.`, 'NotFoundError');
  const framesBytes = frames.map(decode);
  const hrBytes = hrValues.map(decode);
  const state = { requests: [], chosen: null, playbackDone: false, notified: 0 };
  window.__bleDouble = state;

  class Characteristic extends EventTarget {
    constructor(device, uuid, onWrite = () => {}, onSubscribe = () => {}) {
      super();
      Object.assign(this, { device, uuid, onWrite, onSubscribe, value: null, notifying: false });
    }
    async startNotifications() {
      if (!this.device.gatt.connected) throw new DOMException('GATT Server is disconnected.', 'NetworkError');
      this.notifying = true;
      this.onSubscribe();
      return this;
    }
    async stopNotifications() {
      this.notifying = false;
      return this;
    }
    async writeValueWithResponse(data) {
      if (!this.device.gatt.connected) throw new DOMException('GATT Server is disconnected.', 'NetworkError');
      const bytes = new Uint8Array(data.buffer ?? data, data.byteOffset ?? 0, data.byteLength);
      window.__bleWrite?.(`${this.device.name}|${this.uuid}|${hex(bytes)}`);
      this.onWrite(bytes);
    }
    writeValue(data) { return this.writeValueWithResponse(data); }
    notify(bytes) {
      if (!this.notifying || !this.device.gatt.connected) return;
      this.value = new DataView(bytes.buffer.slice(0));
      state.notified++;
      this.dispatchEvent(new Event('characteristicvaluechanged'));
    }
  }

  class Device extends EventTarget {
    constructor(name) {
      super();
      this.name = name;
      this.id = name;
      this.services = new Map();
      this.timer = null;
      const device = this;
      this.gatt = {
        connected: false,
        device,
        async connect() { this.connected = true; return this; },
        disconnect() {
          if (!this.connected) return;
          this.connected = false;
          clearTimeout(device.timer);
          device.dispatchEvent(new Event('gattserverdisconnected'));
        },
        async getPrimaryService(uuid) {
          const service = device.services.get(String(uuid).toLowerCase());
          if (!service) throw notFound(`Services matching UUID ${uuid}`);
          return service;
        },
      };
    }
    addService(uuid, characteristics) {
      const map = new Map(characteristics.map((c) => [c.uuid, c]));
      this.services.set(uuid, {
        uuid, device: this,
        async getCharacteristic(c) {
          const found = map.get(String(c).toLowerCase());
          if (!found) throw notFound(`Characteristics matching UUID ${c}`);
          return found;
        },
      });
    }
    // Notifies `values` on `characteristic`, each after its own duration (s) / speed.
    play(characteristic, values, seconds) {
      let k = 0;
      const next = () => {
        if (k >= values.length || !this.gatt.connected) {
          state.playbackDone = k >= values.length;
          return;
        }
        characteristic.notify(values[k]);
        this.timer = setTimeout(next, (1000 * seconds(k++)) / speed);
      };
      next();
    }
  }

  // The Polar H10: PMD (control point + data) and the Heart Rate service.
  const polar = new Device('Polar H10 A1B2C3D4');
  const controlPoint = new Characteristic(polar, pmd.controlPoint, (bytes) => {
    const answer = (...b) => setTimeout(() => controlPoint.notify(new Uint8Array(b)), 10);
    if (bytes[0] === 0x01) answer(0xf0, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x82, 0x00, 0x01, 0x01, 0x0e, 0x00);
    if (bytes[0] === 0x02) {
      answer(0xf0, 0x02, 0x00, 0x00, 0x00);
      setTimeout(() => polar.play(data, framesBytes, (k) => (framesBytes[k].length - 10) / 3 / 130), 50);
    }
    if (bytes[0] === 0x03) {
      clearTimeout(polar.timer);
      answer(0xf0, 0x03, 0x00, 0x00, 0x00);
    }
  });
  const data = new Characteristic(polar, pmd.data);
  polar.addService(pmd.service, [controlPoint, data]);
  polar.addService(heartRate.service, [new Characteristic(polar, heartRate.measurement)]);

  // A strap with the standard Heart Rate service only: RR intervals, no ECG.
  const strap = new Device('HR strap 42');
  const rrSeconds = (value) => {
    let s = 0;
    for (let i = 2; i + 1 < value.length; i += 2) s += (value[i] | (value[i + 1] << 8)) / 1024;
    return s;
  };
  const measurement = new Characteristic(strap, heartRate.measurement, undefined,
    () => setTimeout(() => strap.play(measurement, hrBytes, (k) => rrSeconds(hrBytes[k + 1] ?? hrBytes[k])), 50));
  strap.addService(heartRate.service, [measurement]);

  const devices = [polar, strap];
  const bluetooth = {
    async getAvailability() { return true; },
    async requestDevice(options) {
      state.requests.push(JSON.parse(JSON.stringify(options)));
      const device = devices.find((d) => d.name === state.chosen);
      if (!device) throw new DOMException('User cancelled the requestDevice() chooser.', 'NotFoundError');
      return device;
    },
  };
  Object.defineProperty(Navigator.prototype, 'bluetooth', { configurable: true, get: () => bluetooth });
}
