//! `weft demo`: fills an empty database with a small community a newcomer can log into — a
//! network group with subgroups, a dozen members with roles and profiles, invitations and
//! requests to join. Later issues add their tools' data here.

use kernel::groups::{
    self, GroupChanges, InvitationInput, JoinInput, JoinPolicy, NewGroup, RoleChange, RoleInput,
    Visibility,
};
use kernel::people::{self, Actor, ClientInfo, LogIn, SignUp};
use kernel::{Error, Kernel, Result};

/// Every demo account's password (printed by `weft demo`).
pub const PASSWORD: &str = "weft-demo-password";

const PEOPLE: [(&str, &str); 12] = [
    ("amara", "Amara Okafor"),
    ("bruno", "Bruno Silva"),
    ("chen", "Chen Wei"),
    ("dana", "Dana Levi"),
    ("emil", "Emil Novak"),
    ("farah", "Farah Haddad"),
    ("gus", "Gus Johansson"),
    ("hana", "Hana Sato"),
    ("ines", "Inês Costa"),
    ("jonas", "Jonas Weber"),
    ("kofi", "Kofi Mensah"),
    ("lucia", "Lucía Romero"),
];

async fn person(k: &Kernel, handle: &str, name: &str) -> Result<Actor> {
    let signup = SignUp {
        handle: handle.into(),
        password: PASSWORD.into(),
        display_name: Some(name.into()),
        email: Some(format!("{handle}@demo.weft.invalid")),
    };
    people::sign_up(k, signup, handle == "amara").await?;
    let login = LogIn {
        handle: handle.into(),
        password: PASSWORD.into(),
    };
    let session = people::log_in(k, login, ClientInfo::default()).await?;
    people::authenticate(k, &session.token).await
}

fn new_group(
    handle: &str,
    name: &str,
    about: &str,
    visibility: Visibility,
    join: JoinPolicy,
    parent: Option<&str>,
) -> NewGroup {
    NewGroup {
        handle: handle.into(),
        name: name.into(),
        description: Some(about.into()),
        visibility,
        join_policy: join,
        parent: parent.map(str::to_string),
        parent_admins_manage: parent.is_some(),
    }
}

/// Whether the database already holds a community (the demo only fills an empty one).
pub async fn has_data(k: &Kernel) -> Result<bool> {
    Ok(!groups::list_groups(k, None, None, &Default::default())
        .await?
        .items
        .is_empty()
        || people::profile(k, "amara").await.is_ok())
}

/// Fills the database; answers the handles created.
pub async fn fill(k: &Kernel) -> Result<Vec<&'static str>> {
    if has_data(k).await? {
        return Err(Error::Conflict {
            field: None,
            detail: "the database is not empty".into(),
        });
    }
    let mut people = Vec::new();
    for (handle, name) in PEOPLE {
        people.push(person(k, handle, name).await?);
    }
    let [
        amara,
        bruno,
        chen,
        dana,
        emil,
        farah,
        gus,
        hana,
        ines,
        jonas,
        kofi,
        lucia,
    ] = &people[..]
    else {
        unreachable!("twelve people")
    };
    let network = "Riverside Commons";
    groups::create_group(
        k,
        amara,
        new_group(
            "riverside",
            network,
            "A network of neighbourhood groups sharing tools, food and decisions.",
            Visibility::Public,
            JoinPolicy::Request,
            None,
        ),
    )
    .await?;
    groups::create_group(
        k,
        amara,
        new_group(
            "garden",
            "Community Garden",
            "Twelve raised beds, a compost heap and a seed library.",
            Visibility::Public,
            JoinPolicy::Open,
            Some("riverside"),
        ),
    )
    .await?;
    groups::create_group(
        k,
        amara,
        new_group(
            "foodcoop",
            "Food Co-op",
            "Bulk buying of staples, every other Saturday.",
            Visibility::Listed,
            JoinPolicy::Request,
            Some("riverside"),
        ),
    )
    .await?;
    groups::create_group(
        k,
        amara,
        new_group(
            "stewards",
            "Stewards",
            "The rota and the money: for those who hold the keys.",
            Visibility::Secret,
            JoinPolicy::Invite,
            Some("riverside"),
        ),
    )
    .await?;
    groups::create_role(
        k,
        amara,
        "riverside",
        RoleInput {
            name: "facilitator".into(),
            permissions: vec!["invite".into(), "post".into(), "moderate".into()],
        },
    )
    .await?;

    // Everyone asks to join the network; Amara approves most.
    for who in [bruno, chen, dana, emil, farah, gus, hana, ines, jonas] {
        groups::join(
            k,
            who,
            "riverside",
            JoinInput {
                message: Some("Hello, neighbours!".into()),
            },
        )
        .await?;
    }
    let pending = groups::join_requests(k, amara, "riverside", &Default::default()).await?;
    for request in pending.items.iter().filter(|r| r.account.handle != "jonas") {
        groups::decide_join_request(k, amara, request.id, true).await?;
    }
    for (who, role) in [("bruno", "admin"), ("chen", "facilitator")] {
        groups::change_role(k, amara, "riverside", who, RoleChange { role: role.into() }).await?;
    }
    for who in [bruno, chen, dana, hana, ines] {
        groups::join(k, who, "garden", JoinInput::default()).await?;
    }
    groups::change_role(
        k,
        amara,
        "garden",
        "hana",
        RoleChange {
            role: "admin".into(),
        },
    )
    .await?;
    for who in [emil, farah, gus] {
        groups::join(
            k,
            who,
            "foodcoop",
            JoinInput {
                message: Some("Count me in for oats".into()),
            },
        )
        .await?;
    }
    let food = groups::join_requests(k, amara, "foodcoop", &Default::default()).await?;
    if let Some(first) = food.items.first() {
        groups::decide_join_request(k, amara, first.id, true).await?;
    }
    for who in ["bruno", "dana"] {
        let invitation = groups::invite(
            k,
            amara,
            "stewards",
            InvitationInput {
                account: Some(who.into()),
                ..Default::default()
            },
        )
        .await?;
        let invitee = if who == "bruno" { bruno } else { dana };
        groups::accept_invitation(k, invitee, invitation.id).await?;
    }
    groups::invite(
        k,
        amara,
        "stewards",
        InvitationInput {
            account: Some("kofi".into()),
            ..Default::default()
        },
    )
    .await?;
    groups::invite(
        k,
        amara,
        "riverside",
        InvitationInput {
            email: Some("newcomer@demo.weft.invalid".into()),
            ..Default::default()
        },
    )
    .await?;
    groups::invite(
        k,
        amara,
        "garden",
        InvitationInput {
            max_uses: Some(25),
            ..Default::default()
        },
    )
    .await?;
    groups::update_group(
        k,
        amara,
        "riverside",
        GroupChanges {
            description: Some(
                "A network of neighbourhood groups sharing tools, food and decisions. Ask to join!"
                    .into(),
            ),
            ..Default::default()
        },
    )
    .await?;
    let _ = (kofi, lucia);
    Ok(PEOPLE.iter().map(|(h, _)| *h).collect())
}
