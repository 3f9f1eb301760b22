import { describe, expect, it } from 'vitest';
import { studentTCdf, studentTQuantile, studentTTail } from './statistics.ts';

const DFS = [1, 2, 5, 10, 30, 100, 1e4];
const PROBS = [0.5, 0.9, 0.95, 0.975, 0.995, 0.9995];

// Reference values at 50 significant digits from mpmath (regularised incomplete beta and a
// root-finder), each quantile at the double the function is given (0.9995 is 0.99950000000000005…;
// for one degree of freedom that moves t by 7e-11). scipy.stats.t agrees with every CDF value to
// 2e-16 and with every quantile to 7e-11 (its inverse is the less precise one). Produced by
// `python3 gen.py` (scipy 1.17.1, mpmath 1.3.0) with gen.py:
// # Student t reference values at 50 significant digits (mpmath), cross-checked against scipy.
// import json, mpmath
// from scipy import stats
// mpmath.mp.dps = 50
// def cdf(t, df):
//     t, df = mpmath.mpf(t), mpmath.mpf(df)
//     tail = mpmath.betainc(df / 2, mpmath.mpf(1) / 2, 0, df / (df + t * t), regularized=True) / 2
//     return 1 - tail if t >= 0 else tail
// def ppf(p, df):
//     if p == '0.5': return mpmath.mpf(0)
//     return mpmath.findroot(lambda t: cdf(t, df) - mpmath.mpf(float(p)), stats.t.ppf(float(p), df))
// dfs = [1, 2, 5, 10, 30, 100, 10000]
// ps = ['0.5', '0.9', '0.95', '0.975', '0.995', '0.9995']
// ts = [-4, -2, -1, 0.5, 1, 1.5, 2, 3, 5, 20]
// print(json.dumps({'q': [[df, p, float(ppf(p, df))] for df in dfs for p in ps], 'c': [[df, t, float(cdf(t, df))] for df in dfs for t in ts]}))
const QUANTILES: [df: number, p: number, t: number][] = [
  [1, 0.9, 3.077683537175254],
  [1, 0.95, 6.313751514675038],
  [1, 0.975, 12.706204736174694],
  [1, 0.995, 63.656741162871526],
  [1, 0.9995, 636.6192487687897],
  [2, 0.9, 1.885618083164127],
  [2, 0.95, 2.9199855803537242],
  [2, 0.975, 4.302652729749462],
  [2, 0.995, 9.92484320091829],
  [2, 0.9995, 31.599054576445365],
  [5, 0.9, 1.4758840488244813],
  [5, 0.95, 2.0150483733330233],
  [5, 0.975, 2.5705818356363146],
  [5, 0.995, 4.032142983555227],
  [5, 0.9995, 6.868826625881275],
  [10, 0.9, 1.3721836411103359],
  [10, 0.95, 1.8124611228116758],
  [10, 0.975, 2.2281388519862744],
  [10, 0.995, 3.169272672616951],
  [10, 0.9995, 4.586893858702708],
  [30, 0.9, 1.3104150253913958],
  [30, 0.95, 1.6972608865939574],
  [30, 0.975, 2.0422724563012378],
  [30, 0.995, 2.749995653567225],
  [30, 0.9995, 3.6459586350420627],
  [100, 0.9, 1.290074761346516],
  [100, 0.95, 1.6602343260853392],
  [100, 0.975, 1.9839715185235518],
  [100, 0.995, 2.6258905214380177],
  [100, 0.9995, 3.3904913111642636],
  [10000, 0.9, 1.2816362297304777],
  [10000, 0.95, 1.6450060180692425],
  [10000, 0.975, 1.960201239890626],
  [10000, 0.995, 2.5763210466685287],
  [10000, 0.9995, 3.2914999659416355],
];
const CDF: [df: number, t: number, p: number][] = [
  [1, -4, 0.07797913037736932],
  [1, -2, 0.14758361765043326],
  [1, -1, 0.25],
  [1, 0.5, 0.6475836176504333],
  [1, 1, 0.75],
  [1, 1.5, 0.8128329581890011],
  [1, 2, 0.8524163823495667],
  [1, 3, 0.8975836176504333],
  [1, 5, 0.9371670418109989],
  [1, 20, 0.9840977487438236],
  [2, -4, 0.02859547920896832],
  [2, -2, 0.09175170953613698],
  [2, -1, 0.2113248654051871],
  [2, 0.5, 0.6666666666666666],
  [2, 1, 0.7886751345948129],
  [2, 1.5, 0.8638034375544995],
  [2, 2, 0.908248290463863],
  [2, 3, 0.9522670168666454],
  [2, 5, 0.9811252243246882],
  [2, 20, 0.9987546680538164],
  [5, -4, 0.005161707740415727],
  [5, -2, 0.05096973941492918],
  [5, -1, 0.1816087338245613],
  [5, 0.5, 0.6808505641795355],
  [5, 1, 0.8183912661754387],
  [5, 1.5, 0.9030481598787633],
  [5, 2, 0.9490302605850708],
  [5, 3, 0.9849503760512687],
  [5, 5, 0.9979476420099733],
  [5, 20, 0.9999971122418134],
  [10, -4, 0.0012591663123683462],
  [10, -2, 0.03669401738537018],
  [10, -1, 0.17044656615102993],
  [10, 0.5, 0.6860531971285135],
  [10, 1, 0.8295534338489701],
  [10, 1.5, 0.9177463367772799],
  [10, 2, 0.9633059826146299],
  [10, 3, 0.9933281724887152],
  [10, 5, 0.9997313331986217],
  [10, 20, 0.9999999989269689],
  [30, -4, 0.00019092281804187843],
  [30, -2, 0.02731252248149155],
  [30, -1, 0.16265430771301495],
  [30, 0.5, 0.6896384975574363],
  [30, 1, 0.8373456922869851],
  [30, 1.5, 0.927967035435677],
  [30, 2, 0.9726874775185085],
  [30, 3, 0.9973050179671741],
  [30, 5, 0.9999883516572665],
  [30, 20, 1.0],
  [100, -4, 6.076182215038084e-5],
  [100, -2, 0.02410608936556684],
  [100, -1, 0.1598620778920617],
  [100, 0.5, 0.6909132170845567],
  [100, 1, 0.8401379221079384],
  [100, 1.5, 0.9316174709376556],
  [100, 2, 0.9758939106344332],
  [100, 3, 0.9982960423283352],
  [100, 5, 0.9999987749132933],
  [100, 20, 1.0],
  [10000, -4, 3.1899334411569814e-5],
  [10000, -2, 0.02276363033071772],
  [10000, -1, 0.15866735216521458],
  [10000, 0.5, 0.6914569603383833],
  [10000, 1, 0.8413326478347855],
  [10000, 1.5, 0.9331770140881902],
  [10000, 2, 0.9772363696692823],
  [10000, 3, 0.9986467759050012],
  [10000, 5, 0.9999997084836694],
  [10000, 20, 1.0],
];
// Upper tails far out, from the same betainc at 50 digits: checked relative, not absolute.
const TAILS: [df: number, t: number, tail: number][] = [
  [1, 1e6, 3.1830988618368455e-7],
  [5, 50, 3.0238788133006125e-8],
  [30, 20, 3.3745418328856433e-19],
  [100, 8, 1.1364324038640403e-12],
  [10000, 6, 1.0208092364613077e-9],
];

const TOLERANCE = 1e-10;

describe("Student's t against closed forms", () => {
  // One degree of freedom is the Cauchy distribution: t = tan(π(p − ½)), written as
  // 1 / tan(π(1 − p)) for p > ½ because 1 − p is exact there and tan is well-conditioned near 0
  // (tan near π/2 would itself be off by 5e-11 at p = 0.9995).
  const cauchy = (p: number) => (p === 0.5 ? 0 : 1 / Math.tan(Math.PI * (1 - p)));
  // Two degrees of freedom: t = (2p − 1) / √(2p(1 − p)).
  const two = (p: number) => (2 * p - 1) / Math.sqrt(2 * p * (1 - p));

  it.each(PROBS)('quantile at p = %s for df 1 and 2', (p) => {
    expect(Math.abs(studentTQuantile(p, 1) - cauchy(p))).toBeLessThan(TOLERANCE);
    expect(Math.abs(studentTQuantile(p, 2) - two(p))).toBeLessThan(TOLERANCE);
  });

  it.each([-50, -4, -1, -0.3, 0, 0.5, 1, 2, 3, 10, 1e3])('CDF at t = %s for df 1 and 2', (t) => {
    expect(Math.abs(studentTCdf(t, 1) - (0.5 + Math.atan(t) / Math.PI))).toBeLessThan(TOLERANCE);
    expect(Math.abs(studentTCdf(t, 2) - (0.5 + t / (2 * Math.sqrt(2 + t * t))))).toBeLessThan(TOLERANCE);
  });
});

describe("Student's t against reference values", () => {
  it.each(QUANTILES)('quantile df %s, p %s = %s', (df, p, t) => {
    expect(Math.abs(studentTQuantile(p, df) - t)).toBeLessThan(TOLERANCE);
  });

  it.each(CDF)('CDF df %s, t %s = %s', (df, t, p) => {
    expect(Math.abs(studentTCdf(t, df) - p)).toBeLessThan(TOLERANCE);
  });

  it.each(TAILS)('upper tail df %s, t %s = %s (relative)', (df, t, tail) => {
    expect(Math.abs(studentTTail(t, df) / tail - 1)).toBeLessThan(1e-9);
  });

  it('covers every df and probability asked for', () => {
    for (const df of DFS) for (const p of PROBS.slice(1)) expect(QUANTILES.some(([d, q]) => d === df && q === p)).toBe(true);
  });
});

describe("Student's t, shape", () => {
  it('is symmetric, 0 at the median, and inverts its CDF', () => {
    for (const df of DFS) {
      expect(studentTQuantile(0.5, df)).toBe(0);
      expect(studentTCdf(0, df)).toBe(0.5);
      for (const p of PROBS) {
        // 1 − p is the same double whichever side it is computed from, so the two are exact negatives
        expect(studentTQuantile(1 - p, df) + studentTQuantile(p, df)).toBe(0);
        expect(Math.abs(studentTCdf(studentTQuantile(p, df), df) - p)).toBeLessThan(1e-14);
      }
    }
  });

  it('gives the infinite quantiles at 0 and 1', () => {
    expect(studentTQuantile(0, 5)).toBe(-Infinity);
    expect(studentTQuantile(1, 5)).toBe(Infinity);
    expect(studentTQuantile(Number.NaN, 5)).toBeNaN();
  });
});
