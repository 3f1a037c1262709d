// Cine: plays the stack at a chosen rate, waiting for each frame to be drawn before the next
// is asked for, so that a slow network lowers the rate instead of skipping slices unseen.
export function cinePlayer({ step, fps, onChange }) {
  let run = 0;
  async function loop(id) {
    while (run === id) {
      const t0 = performance.now();
      await step();
      const wait = 1000 / Math.max(1, fps()) - (performance.now() - t0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }
  const player = {
    playing: () => run > 0,
    start() { if (run) return; run = performance.now() + Math.random(); onChange(true); loop(run); },
    stop() { if (!run) return; run = 0; onChange(false); },
    toggle() { if (run) player.stop(); else player.start(); },
  };
  return player;
}
