//! CityTill counter peripherals: receipt printer, cash drawer, remittance scanner, money counter, with simulators.

pub mod claim;
pub mod codepage;
pub mod coin;
pub mod counter;
pub mod encode;
pub mod escpos_bytes;
pub mod micr;
pub mod money;
pub mod receipt;
pub mod scanline;
pub mod status;
pub mod transport;
pub mod wedge;
pub mod config;
pub mod device;
pub mod profile;
pub mod drawer;
pub mod printer;
pub mod counter_device;
pub mod linereader;
pub mod reader;
pub mod scanner;
pub mod sim;
pub mod commands;
