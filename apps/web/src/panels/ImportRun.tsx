/** A run file to import: picked, or dropped on the label. */
export function ImportRun({ onFile }: { onFile: (file: File) => void }) {
  return (
    <label
      className="drop"
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => {
        e.preventDefault();
        const file = e.dataTransfer.files[0];
        if (file !== undefined) onFile(file);
      }}
    >
      Import a run (file or drop here){' '}
      <input
        type="file"
        accept="application/json,.json"
        aria-label="Import a run"
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file !== undefined) onFile(file);
        }}
      />
    </label>
  );
}
