/** Up to four annotations as `key=value` chips (several values of one key joined by `|`). */
export function AnnotationChips({ annotations }: { annotations: [key: string, values: unknown[]][] }) {
  return (
    <div className="chips">
      {annotations.slice(0, 4).map(([k, vs]) => (
        <span className="chip" key={k} title={k}>
          {k}={vs.map(String).join('|')}
        </span>
      ))}
    </div>
  );
}
