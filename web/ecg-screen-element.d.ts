// Types of the <ecg-screen> custom element (web/ecg-screen-element.js; package export 'ecg-screen/element').
import type { Findings } from './lib/ecg-screen.js';

export interface EcgScreenElementEventMap extends HTMLElementEventMap {
  /** A record was screened; detail: its findings. */
  'ecg-findings': CustomEvent<Findings>;
  /** A record could not be read or screened, or the engine could not start; detail.message says why. */
  'ecg-error': CustomEvent<{ message: string }>;
}

/**
 * The screening UI as a custom element. Attributes: `sample` (show the built-in sample button),
 * `age`, `sex`. Every element of a page shares one engine worker and one model set.
 */
export class EcgScreenElement extends HTMLElement {
  /** Patient details from the `age` and `sex` attributes. */
  readonly patient: { age: number | null; sex: string };
  /**
   * Screens one record (File objects or {name, bytes}). With `signal`: aborted while the record waits
   * in the queue, it is dropped; while it is screened, the promise rejects at once with an AbortError.
   */
  screenFiles(files: FileList | ArrayLike<File | { name: string; bytes: Uint8Array }> | Iterable<File | { name: string; bytes: Uint8Array }>,
    options?: { signal?: AbortSignal }): Promise<Findings>;
  addEventListener<K extends keyof EcgScreenElementEventMap>(type: K,
    listener: (this: EcgScreenElement, event: EcgScreenElementEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof EcgScreenElementEventMap>(type: K,
    listener: (this: EcgScreenElement, event: EcgScreenElementEventMap[K]) => unknown, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

declare global {
  interface HTMLElementTagNameMap {
    'ecg-screen': EcgScreenElement;
  }
}
