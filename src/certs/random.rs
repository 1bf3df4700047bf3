//! The system's secure random generator (through aws-lc-rs), for the few
//! random bytes certatlas makes itself: a legacy ClientHello's random, an
//! evidence signing key's seed.

/// The secure random generator failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the secure random generator failed")]
pub struct RandomFailed;

/// Fills `buffer` from the system's secure random generator.
pub fn fill_random(buffer: &mut [u8]) -> Result<(), RandomFailed> {
    aws_lc_rs::rand::fill(buffer).map_err(|_| RandomFailed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_fills_differ() {
        let mut a = [0u8; 32];
        let mut b = [0u8; 32];
        fill_random(&mut a).unwrap();
        fill_random(&mut b).unwrap();
        assert_ne!(a, b, "32 random bytes twice alike");
    }
}
