//! CityTill library.
