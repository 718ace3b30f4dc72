import type { capture as Capture } from '../index.js';

/**
 * Compiled by `decorators.test.ts` with tsc twice: as TC39 standard decorators and with
 * `experimentalDecorators`. `capture` is passed in so the compiled file needs no imports.
 */
export function defineService(capture: typeof Capture) {
  class OrderService {
    placed: string[] = [];

    @capture('OrderService.place')
    async place(id: string): Promise<string> {
      this.placed.push(id);
      return `placed ${id}`;
    }

    @capture('OrderService.total')
    total(a: number, b: number): number {
      return a + b;
    }

    @capture('OrderService.decline')
    async decline(): Promise<never> {
      throw new Error('declined');
    }

    @capture('OrderService.nested')
    async nested(): Promise<number> {
      await this.place('inner');
      return this.total(1, 2);
    }
  }
  return OrderService;
}
