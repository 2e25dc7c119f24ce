// Runs axe-core (injected just before) over the document and hands back the serious and
// critical violations: rule, impact, what it asks for, and the targets of its nodes.
const done = arguments[arguments.length - 1];
if (typeof window.axe === 'undefined') {
  done({ error: 'axe-core did not load into the page' });
} else {
  window.axe
    .run(document, { resultTypes: ['violations'] })
    .then((result) =>
      done({
        violations: result.violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            targets: v.nodes.map((n) => n.target.join(' ')),
          })),
      }),
    )
    .catch((e) => done({ error: String(e) }));
}
