pub mod dashboard;
pub mod forgot_password;
pub mod home;
pub mod login;
pub mod not_found;
pub mod reset_password;
pub mod signup;
pub mod verify_email;
