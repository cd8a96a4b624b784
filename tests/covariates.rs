//! Time-invariant covariates (issue 15): the model with every coefficient 0 (or a constant
//! covariate) is the model without covariates; analytic gradients equal finite differences
//! (proptest); seeded simulations recover every coefficient within 3 standard errors.

mod common;

use btyd::data::{History, Spend, TimeUnit};
use btyd::fit::covariates::{fit_with_covariates, CovariateFit};
use btyd::fit::{fit, FitOptions};
use btyd::models::covariates::covariate_ln_likelihood;
use btyd::models::{
    AnyModel, BgNbd, CovariateDesign, CovariateEffects, CovariatePatterns, GammaGamma,
    LogLikelihood, MbgNbd, Nbd, ParetoNbd, Process,
};
use common::{GRADIENT_ATOL, GRADIENT_RTOL, RECOVERY_K_SE};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

/// Relative agreement required of the model with zero coefficients and the model without
/// covariates: the same terms summed per group instead of all at once.
const SAME_RTOL: f64 = 1e-10;

/// Six design columns: two binary and one numeric covariate for each of two processes.
fn columns() -> Vec<String> {
    ["p_bin1", "p_bin2", "p_num", "d_bin1", "d_bin2", "d_num"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// The design of `M` with columns 0-2 on the purchase (or spend) process and 3-5 on dropout.
fn design<M: LogLikelihood>() -> CovariateDesign {
    let first = M::COVARIATE_PARAMS[0].process;
    let mut per = vec![(first, vec![0, 1, 2])];
    if M::COVARIATE_PARAMS
        .iter()
        .any(|s| s.process == Process::Dropout)
    {
        per.push((Process::Dropout, vec![3, 4, 5]));
    }
    CovariateDesign::new(M::COVARIATE_PARAMS, columns(), &per, &[]).unwrap()
}

/// A customer's covariates: binaries with P(1) = 0.4 and 0.3, numerics standard normal.
fn draw_x(rng: &mut StdRng) -> Vec<f64> {
    let mut x = Vec::with_capacity(6);
    for _ in 0..2 {
        x.push(f64::from(u8::from(rng.random_bool(0.4))));
        x.push(f64::from(u8::from(rng.random_bool(0.3))));
        let z: f64 = StandardNormal.sample(rng);
        x.push(z);
    }
    x
}

/// Ages at day resolution between 27 and 39 weeks, as in CDNOW's cohort.
fn age(rng: &mut StdRng) -> f64 {
    rng.random_range(189..=273) as f64 / 7.0
}

/// Simulates `n` customers of `M` with covariates: each customer's own parameters from the
/// design, then the model's own simulator.
fn simulate<M: LogLikelihood>(
    design: &CovariateDesign,
    truth: &[f64],
    n: usize,
    seed: u64,
    one: impl Fn(&M, &mut StdRng) -> M::Obs,
) -> CovariatePatterns<M::Obs> {
    let k = M::PARAM_NAMES.len();
    let mut rng = StdRng::seed_from_u64(seed);
    let items: Vec<(M::Obs, Vec<f64>, f64)> = (0..n)
        .map(|_| {
            let x = draw_x(&mut rng);
            let p = design.individual_params(&truth[..k], &truth[k..], &x);
            let m = M::from_params(&p).unwrap();
            (one(&m, &mut rng), x, 1.0)
        })
        .collect();
    CovariatePatterns::from_items(items).unwrap()
}

fn history_of<M>(
    sim: impl Fn(&M, &[f64], &mut StdRng) -> Vec<History> + Copy,
) -> impl Fn(&M, &mut StdRng) -> History + Copy {
    move |m, rng| {
        let a = age(rng);
        sim(m, &[a], rng)[0]
    }
}

fn spend_of(m: &GammaGamma, rng: &mut StdRng) -> Spend {
    let x = rng.random_range(1..=8) as f64;
    m.simulate(&[x], rng).unwrap()[0]
}

/// Asserts every parameter (base and coefficient) within 3 SE of the truth; returns the errors
/// in SE units.
fn assert_recovered(name: &str, fit: &CovariateFit, truth: &[f64]) -> Vec<f64> {
    assert!(fit.fitted.converged, "{name}: {}", fit.fitted.termination);
    let se = fit.fitted.std_errors().expect("standard errors");
    let mut est = fit.fitted.model.params();
    est.extend(&fit.effects.coefficients);
    let mut names: Vec<String> = fit
        .fitted
        .kind()
        .param_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    names.extend(
        fit.effects
            .design
            .coefficients
            .iter()
            .map(|c| c.name.clone()),
    );
    let z: Vec<f64> = est
        .iter()
        .zip(truth)
        .zip(&se)
        .map(|((e, t), s)| (e - t) / s)
        .collect();
    eprintln!(
        "{name} ({} iterations, {} starts, {:?}): errors in SE units {:?}",
        fit.fitted.iterations,
        fit.fitted.starts_tried,
        fit.fitted.elapsed,
        names
            .iter()
            .zip(&z)
            .map(|(n, z)| format!("{n} {z:+.2}"))
            .collect::<Vec<_>>()
    );
    for ((n, zi), (e, t)) in names.iter().zip(&z).zip(est.iter().zip(truth)) {
        assert!(
            zi.abs() < RECOVERY_K_SE,
            "{name} {n}: estimate {e} vs truth {t} ({zi:+.2} SE)"
        );
    }
    z
}

/// Number of simulated customers per parameter set.
const N: usize = 20_000;

fn recover<M>(sets: &[(Vec<f64>, u64)], one: impl Fn(&M, &mut StdRng) -> M::Obs + Copy)
where
    M: LogLikelihood + Into<AnyModel>,
{
    let d = design::<M>();
    for (truth, seed) in sets {
        assert_eq!(truth.len(), M::PARAM_NAMES.len() + d.len());
        let data = simulate::<M>(&d, truth, N, *seed, one);
        let fit = fit_with_covariates::<M>(&data, &d, TimeUnit::Week, &FitOptions::default(), 0.0)
            .unwrap();
        assert_recovered(&format!("{} seed {seed}", M::NAME), &fit, truth);
        assert!(fit.lr_test.p_value < 1e-3, "{}", fit.lr_test);
    }
}

#[test]
fn pareto_nbd_recovers_coefficients() {
    let sets = [
        (
            vec![0.55, 10.5, 0.6, 11.7, 0.5, -0.3, 0.2, 0.4, -0.4, 0.3],
            101,
        ),
        (
            vec![1.2, 8.0, 1.0, 20.0, -0.4, 0.6, -0.2, -0.5, 0.5, 0.25],
            102,
        ),
        (
            vec![0.8, 4.0, 0.4, 6.0, 0.3, 0.3, 0.3, 0.6, -0.6, -0.3],
            103,
        ),
    ];
    recover::<ParetoNbd>(
        &sets,
        history_of(|m: &ParetoNbd, a, r| m.simulate(a, r).unwrap()),
    );
}

#[test]
fn bg_nbd_recovers_coefficients() {
    let sets = [
        (
            vec![
                0.243, 4.414, 0.793, 2.426, 0.5, -0.3, 0.2, 0.4, -0.4, 0.3, -0.3, 0.2, 0.2,
            ],
            201,
        ),
        (
            vec![
                1.0, 8.0, 1.2, 4.0, -0.4, 0.6, -0.2, -0.5, 0.5, 0.25, 0.3, -0.4, -0.1,
            ],
            202,
        ),
        (
            vec![
                0.6, 3.0, 0.5, 1.5, 0.3, 0.3, 0.3, 0.6, -0.6, -0.3, 0.2, 0.2, 0.3,
            ],
            203,
        ),
    ];
    recover::<BgNbd>(
        &sets,
        history_of(|m: &BgNbd, a, r| m.simulate(a, r).unwrap()),
    );
}

#[test]
fn mbg_nbd_recovers_coefficients() {
    let sets = [
        (
            vec![
                0.525, 6.183, 0.891, 1.614, 0.5, -0.3, 0.2, 0.4, -0.4, 0.3, -0.3, 0.2, 0.2,
            ],
            301,
        ),
        (
            vec![
                1.0, 8.0, 1.2, 4.0, -0.4, 0.6, -0.2, -0.5, 0.5, 0.25, 0.3, -0.4, -0.1,
            ],
            302,
        ),
        (
            vec![
                0.6, 3.0, 0.5, 1.5, 0.3, 0.3, 0.3, 0.6, -0.6, -0.3, 0.2, 0.2, 0.3,
            ],
            303,
        ),
    ];
    recover::<MbgNbd>(
        &sets,
        history_of(|m: &MbgNbd, a, r| m.simulate(a, r).unwrap()),
    );
}

#[test]
fn nbd_recovers_coefficients() {
    let sets = [
        (vec![0.4, 6.0, 0.5, -0.3, 0.2], 401),
        (vec![1.5, 10.0, -0.4, 0.6, -0.2], 402),
        (vec![0.8, 3.0, 0.3, 0.3, 0.3], 403),
    ];
    recover::<Nbd>(&sets, history_of(|m: &Nbd, a, r| m.simulate(a, r).unwrap()));
}

#[test]
fn gamma_gamma_recovers_coefficients() {
    let sets = [
        (vec![6.25, 3.74, 15.44, 0.5, -0.3, 0.2], 501),
        (vec![3.0, 5.0, 20.0, -0.4, 0.6, -0.2], 502),
        (vec![10.0, 2.5, 5.0, 0.3, 0.3, 0.3], 503),
    ];
    recover::<GammaGamma>(&sets, spend_of);
}

/// The data of `sim` with a constant covariate column (so one group) and one varying one.
fn zero_coefficient_case<M>(base: &[f64], one: impl Fn(&M, &mut StdRng) -> M::Obs + Copy)
where
    M: LogLikelihood + Into<AnyModel>,
{
    let d = design::<M>();
    let truth: Vec<f64> = base
        .iter()
        .copied()
        .chain(std::iter::repeat_n(0.0, d.len()))
        .collect();
    let data = simulate::<M>(&d, &truth, 3000, 7, one);
    let k = base.len();
    let (ll, g) = covariate_ln_likelihood::<M>(&d, base, &truth[k..], &data).unwrap();
    let model = M::from_params(base).unwrap();
    let pooled = data.pooled();
    let (ll0, g0) = model.total_ln_likelihood(&pooled);
    assert!(
        (ll - ll0).abs() <= SAME_RTOL * ll0.abs(),
        "{}: {ll} vs {ll0}",
        M::NAME
    );
    for j in 0..k {
        assert!(
            (g[j] - g0[j]).abs() <= SAME_RTOL * (g0[j].abs() + ll0.abs()),
            "{} gradient {j}: {} vs {}",
            M::NAME,
            g[j],
            g0[j]
        );
    }
    // Predictions of every customer's own model equal the base model's.
    let effects =
        CovariateEffects::new(model.clone().into(), d.clone(), truth[k..].to_vec()).unwrap();
    for group in &data.groups {
        assert_eq!(effects.individual(&group.x).unwrap(), model.clone().into());
    }
    // A constant covariate c = 1 only rescales the baseline: LL(θ₀, γ) = LL₀(θ₀ scaled by
    // exp(±γ)).
    let constant = CovariateDesign::new(
        M::COVARIATE_PARAMS,
        vec!["one".into()],
        &[(M::COVARIATE_PARAMS[0].process, vec![0])],
        &[],
    )
    .unwrap();
    let const_data = CovariatePatterns::from_items(
        pooled
            .obs
            .iter()
            .zip(&pooled.weights)
            .map(|(o, &w)| (*o, vec![1.0], w)),
    )
    .unwrap();
    let gamma = 0.3;
    let (ll_c, _) = covariate_ln_likelihood::<M>(&constant, base, &[gamma], &const_data).unwrap();
    let scaled = constant.individual_params(base, &[gamma], &[1.0]);
    let (ll_s, _) = M::from_params(&scaled)
        .unwrap()
        .total_ln_likelihood(&pooled);
    assert!(
        (ll_c - ll_s).abs() <= SAME_RTOL * ll_s.abs(),
        "{}: {ll_c} vs {ll_s}",
        M::NAME
    );
    // Without coefficients the fit with covariates is the fit without.
    let empty = CovariateDesign::new(M::COVARIATE_PARAMS, vec![], &[], &[]).unwrap();
    let with = fit_with_covariates::<M>(
        &const_data,
        &empty,
        TimeUnit::Week,
        &FitOptions::default(),
        0.0,
    )
    .unwrap();
    let without = fit::<M>(&pooled, &FitOptions::default()).unwrap();
    assert!(
        (with.fitted.log_likelihood - without.log_likelihood).abs()
            <= SAME_RTOL * without.log_likelihood.abs(),
        "{}: {} vs {}",
        M::NAME,
        with.fitted.log_likelihood,
        without.log_likelihood
    );
    assert!(with.lr_test.statistic < 1e-6, "{}", with.lr_test);
}

#[test]
fn zero_coefficients_reproduce_every_model() {
    zero_coefficient_case::<ParetoNbd>(
        &[0.55, 10.5, 0.6, 11.7],
        history_of(|m: &ParetoNbd, a, r| m.simulate(a, r).unwrap()),
    );
    zero_coefficient_case::<BgNbd>(
        &[0.243, 4.414, 0.793, 2.426],
        history_of(|m: &BgNbd, a, r| m.simulate(a, r).unwrap()),
    );
    zero_coefficient_case::<MbgNbd>(
        &[0.525, 6.183, 0.891, 1.614],
        history_of(|m: &MbgNbd, a, r| m.simulate(a, r).unwrap()),
    );
    zero_coefficient_case::<Nbd>(
        &[0.4, 6.0],
        history_of(|m: &Nbd, a, r| m.simulate(a, r).unwrap()),
    );
    zero_coefficient_case::<GammaGamma>(&[6.25, 3.74, 15.44], spend_of);
}

/// The analytic gradient of the likelihood with covariates against central differences in
/// every base parameter and coefficient.
fn check_gradient<M: LogLikelihood>(
    params: &[f64],
    data: &CovariatePatterns<M::Obs>,
) -> Result<(), String> {
    let d = design::<M>();
    let k = M::PARAM_NAMES.len();
    let ll = |p: &[f64]| covariate_ln_likelihood::<M>(&d, &p[..k], &p[k..], data);
    let (_, g) = ll(params).map_err(|e| e.to_string())?;
    for i in 0..params.len() {
        let h = 1e-6 * params[i].abs().max(1.0);
        let mut up = params.to_vec();
        let mut down = params.to_vec();
        up[i] += h;
        down[i] -= h;
        let fd = (ll(&up).map_err(|e| e.to_string())?.0 - ll(&down).map_err(|e| e.to_string())?.0)
            / (2.0 * h);
        let tol = GRADIENT_ATOL * data.total_weight() + GRADIENT_RTOL * fd.abs().max(g[i].abs());
        if (fd - g[i]).abs() > tol {
            return Err(format!(
                "{} parameter {i}: analytic {} vs finite difference {fd}",
                M::NAME,
                g[i]
            ));
        }
    }
    Ok(())
}

/// A positive parameter, log-uniform over [0.1, 10].
fn param() -> impl Strategy<Value = f64> {
    (0.1f64.ln()..10f64.ln()).prop_map(f64::exp)
}

fn coefs(n: usize) -> impl Strategy<Value = Vec<f64>> {
    proptest::collection::vec(-0.8f64..0.8, n)
}

/// Small simulated data (40 customers) with covariates, from a seed.
fn small_histories(seed: u64) -> CovariatePatterns<History> {
    let mut rng = StdRng::seed_from_u64(seed);
    let truth = Nbd::new(0.8, 4.0).unwrap();
    let items: Vec<(History, Vec<f64>, f64)> = (0..40)
        .map(|_| {
            let x = draw_x(&mut rng);
            let h = truth.simulate(&[age(&mut rng)], &mut rng).unwrap()[0];
            (h, x, 1.0)
        })
        .collect();
    CovariatePatterns::from_items(items).unwrap()
}

fn small_spend(seed: u64) -> CovariatePatterns<Spend> {
    let mut rng = StdRng::seed_from_u64(seed);
    let truth = GammaGamma::new(6.0, 4.0, 15.0).unwrap();
    let items: Vec<(Spend, Vec<f64>, f64)> = (0..40)
        .map(|_| {
            let x = draw_x(&mut rng);
            (spend_of(&truth, &mut rng), x, 1.0)
        })
        .collect();
    CovariatePatterns::from_items(items).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn pareto_nbd_gradient(p in proptest::collection::vec(param(), 4), c in coefs(6), seed in 0u64..1000) {
        let params: Vec<f64> = p.into_iter().chain(c).collect();
        prop_assert_eq!(check_gradient::<ParetoNbd>(&params, &small_histories(seed)), Ok(()));
    }

    #[test]
    fn bg_nbd_gradient(p in proptest::collection::vec(param(), 4), c in coefs(9), seed in 0u64..1000) {
        let params: Vec<f64> = p.into_iter().chain(c).collect();
        prop_assert_eq!(check_gradient::<BgNbd>(&params, &small_histories(seed)), Ok(()));
    }

    #[test]
    fn mbg_nbd_gradient(p in proptest::collection::vec(param(), 4), c in coefs(9), seed in 0u64..1000) {
        let params: Vec<f64> = p.into_iter().chain(c).collect();
        prop_assert_eq!(check_gradient::<MbgNbd>(&params, &small_histories(seed)), Ok(()));
    }

    #[test]
    fn nbd_gradient(p in proptest::collection::vec(param(), 2), c in coefs(3), seed in 0u64..1000) {
        let params: Vec<f64> = p.into_iter().chain(c).collect();
        prop_assert_eq!(check_gradient::<Nbd>(&params, &small_histories(seed)), Ok(()));
    }

    #[test]
    fn gamma_gamma_gradient(p in proptest::collection::vec(param(), 3), c in coefs(3), seed in 0u64..1000) {
        let params: Vec<f64> = p.into_iter().chain(c).collect();
        prop_assert_eq!(check_gradient::<GammaGamma>(&params, &small_spend(seed)), Ok(()));
    }
}
