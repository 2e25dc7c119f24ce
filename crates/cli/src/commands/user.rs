//! `emporium user create`: accounts from the command line (the first staff account).

use std::io::BufRead;

use anyhow::Context;
use clap::Args;
use emporium_app::passwords::Passwords;
use emporium_domain::account::{Email, Password, Role, Username};
use emporium_domain::staff::StaffRole;
use emporium_domain::time::{Clock, SystemClock};
use emporium_store::StoreError;
use emporium_store::accounts::NewUser;

use super::open_store;
use crate::settings::{PasswordArgs, StoreArgs};

/// Arguments of `emporium user create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Login name.
    #[arg(long)]
    username: String,
    /// Password (visible to other local users in the process list: prefer --password-stdin).
    #[arg(long, conflicts_with = "password_stdin", required_unless_present = "password_stdin")]
    password: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
    /// `customer` or `staff`.
    #[arg(long, default_value = "customer")]
    role: Role,
    /// A staff account's role: `owner` (the default), `manager`, `fulfilment`, `support`,
    /// `catalogue` or `analyst` (docs/API.md, staff roles). Only with `--role staff`.
    #[arg(long)]
    staff_role: Option<StaffRole>,
    /// Contact address.
    #[arg(long)]
    email: Option<String>,
}

/// Creates the account and prints its id.
pub async fn create(settings: &StoreArgs, passwords: PasswordArgs, args: CreateArgs) -> anyhow::Result<()> {
    let raw_password = match args.password {
        Some(p) => p,
        None => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("reading the password from stdin")?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let username = Username::parse(&args.username).map_err(|e| anyhow::anyhow!("{e}"))?;
    let password = Password::parse("password", &raw_password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let email = args
        .email
        .as_deref()
        .map(Email::parse)
        .transpose()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let staff_role = match (args.role, args.staff_role) {
        (Role::Staff, role) => Some(role.unwrap_or(StaffRole::Owner)),
        (Role::Customer, None) => None,
        (Role::Customer, Some(_)) => anyhow::bail!("--staff-role needs --role staff"),
    };
    let store = open_store(settings).await?;
    let password_hash = Passwords::new(passwords.bcrypt_cost).hash(&password).await?;
    let new = NewUser {
        username,
        password_hash,
        email,
        role: args.role,
    };
    // The command line is the operator's: no staff member's permissions bound the role.
    let result = match staff_role {
        Some(role) => store.create_staff(None, new, role, SystemClock.now()).await,
        None => store.create_user(new, SystemClock.now()).await,
    };
    store.close().await;
    match result {
        Ok(user) => {
            match user.staff_role {
                Some(role) => println!("created staff {:?} (id {}, role {role})", user.username, user.id),
                None => println!("created {} {:?} (id {})", user.role.as_str(), user.username, user.id),
            }
            Ok(())
        }
        Err(StoreError::UsernameTaken) => anyhow::bail!("the username {:?} is already taken", args.username),
        Err(e) => Err(e.into()),
    }
}
