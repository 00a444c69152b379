"""The error function on NumPy arrays when SciPy is not installed.

    erf(x) = 2/√π ∫₀ˣ exp(−t²) dt

NumPy has no ``erf``; Python's ``math.erf`` is exact but takes one Python call
per element, which makes GELU hundreds of times slower than the rest of a
transformer step. This evaluates Cephes' rational approximations (S. L.
Moshier, the same ones behind SciPy's ``ndtr``) on whole arrays, to within a
few units in the last place of float64:

- |x| ≤ 1:      erf(x)  = x · T(x²) / U(x²)
- 1 < |x| < 8:  erfc(|x|) = exp(−x²) · P(|x|) / Q(|x|)
- |x| ≥ 8:      erfc(|x|) = exp(−x²) · R(|x|) / S(|x|)

and erf(x) = sign(x) · (1 − erfc(|x|)) outside [−1, 1]. U, Q and S are monic
(their leading coefficient 1 is not written out). float16 and float32 inputs
are evaluated in float64 and rounded once.
"""
import numpy as np

_T = (9.60497373987051638749e0, 9.00260197203842689217e1, 2.23200534594684319226e3,
      7.00332514112805075473e3, 5.55923013010394962768e4)
_U = (3.35617141647503099647e1, 5.21357949780152679795e2, 4.59432382970980127987e3,
      2.26290000613890934246e4, 4.92673942608635921086e4)
_P = (2.46196981473530512524e-10, 5.64189564831068821977e-1, 7.46321056442269912687e0,
      4.86371970985681366614e1, 1.96520832956077098242e2, 5.26445194995477358631e2,
      9.34528527171957607540e2, 1.02755188689515710272e3, 5.57535335369399327526e2)
_Q = (1.32281951154744992508e1, 8.67072140885989742329e1, 3.54937778887819891062e2,
      9.75708501743205489753e2, 1.82390916687909736289e3, 2.24633760818710981792e3,
      1.65666309194161350182e3, 5.57535340817727675546e2)
_R = (5.64189583547755073984e-1, 1.27536670759978104416e0, 5.01905042251180477414e0,
      6.16021097993053585195e0, 7.40974269950448939160e0, 2.97886665372100240670e0)
_S = (2.26052863220117276590e0, 9.39603524938001434673e0, 1.20489539808096656605e1,
      1.70814450747565897222e1, 9.60896809063285878198e0, 3.36907645100081516050e0)


def _polynomial(x, coefficients, monic=False):
    """Horner's rule, highest power first; ``monic`` puts a leading 1 in front."""
    value = x + coefficients[0] if monic else np.full_like(x, coefficients[0])
    for coefficient in coefficients[1:]:
        value *= x
        value += coefficient
    return value


def _erfc_of_magnitude(a, numerator, denominator):
    """erfc(a) = exp(−a²) · N(a) / D(a) for a > 1, D monic."""
    ratio = _polynomial(a, numerator)
    ratio /= _polynomial(a, denominator, monic=True)
    return np.exp(-a * a) * ratio


def erf(x):
    """erf(x) elementwise, in ``x``'s floating dtype (see the module docstring).
    The |x| ≤ 1 approximation runs on the whole array (most inputs of GELU are
    there); the elements beyond 1 are then evaluated again by theirs."""
    x = np.asarray(x)
    z = x.astype(np.float64)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        squared = z * z
        result = _polynomial(squared, _T)
        result /= _polynomial(squared, _U, monic=True)
        result *= z
        a = np.abs(z)
        for beyond, numerator, denominator in (((a > 1.0) & (a < 8.0), _P, _Q),
                                               (a >= 8.0, _R, _S)):
            erfc = _erfc_of_magnitude(a[beyond], numerator, denominator)
            erfc[np.isnan(erfc)] = 0.0  # a ≳ 1e154: exp(−a²) = 0 times an overflowed ∞/∞
            result[beyond] = np.copysign(1.0 - erfc, z[beyond])
    return result.astype(x.dtype if x.dtype.kind == "f" else np.float64, copy=False)
