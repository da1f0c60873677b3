//! An interrupt ends a data loader epoch with `Error::Interrupted`.
//!
//! Its own test binary: the interrupt flag is process-wide, so this must not
//! run beside other tests that load data.

use born::data::DataLoader;
use born::{interrupt, DType, Error, Tensor};

#[test]
fn interrupt_stops_the_epoch_and_the_next_one_runs() {
    let x = Tensor::from_bytes(&[7; 40], DType::U8, [20, 2]).expect("inputs");
    let y = Tensor::from_bytes(&[1; 20], DType::U8, [20]).expect("targets");
    let loader = DataLoader::new(&x, &y, 4).expect("loader");
    interrupt::clear();

    let mut epoch = loader.epoch(0);
    assert!(epoch.next().expect("first batch").is_ok());
    interrupt::request();
    assert!(matches!(epoch.next(), Some(Err(Error::Interrupted))));
    assert!(
        epoch.next().is_none(),
        "an interrupted epoch yields nothing more"
    );

    assert_eq!(loader.epoch(1).filter(Result::is_ok).count(), 5);
}
