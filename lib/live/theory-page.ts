// The theory chapter's page bundle (built by lib/plots/bundle.ts): Section 2's closed forms and figures.
import { theory } from './theory';

const w = window as unknown as { atOddsTheory?: object };
w.atOddsTheory = { theory };
