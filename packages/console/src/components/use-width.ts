import { type RefObject, useEffect, useRef, useState } from 'react';

/** The content width of an element in CSS pixels, kept current with a ResizeObserver. */
export function useWidth<T extends HTMLElement>(fallback = 800): [RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth || fallback);
    const ro = new ResizeObserver(() => setWidth(el.clientWidth || fallback));
    ro.observe(el);
    return () => ro.disconnect();
  }, [fallback]);
  return [ref, width];
}
