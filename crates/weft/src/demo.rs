//! `weft demo`: fills an empty database with a small community a newcomer can log into — a
//! network group with subgroups, a dozen members with roles and profiles, invitations and
//! requests to join; the garden's decisions, its hours and its spring task board, and its
//! money: months of trade, dues, pools spent by each rule, expense claims, a cash box.

use kernel::groups::{
    self, GroupChanges, InvitationInput, JoinInput, JoinPolicy, NewGroup, RoleChange, RoleInput,
    Visibility,
};
use kernel::people::{self, Actor, ClientInfo, LogIn, SignUp};
use kernel::{Clock as _, Error, Kernel, Result};

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

/// Fills the database; answers the handles created. Everything is dated now.
pub async fn fill(k: &std::sync::Arc<Kernel>) -> Result<Vec<&'static str>> {
    fill_with(k, None).await
}

/// Fills the database; with `clock` (the kernel's own), the garden's money has months of
/// history behind it.
pub async fn fill_with(
    k: &std::sync::Arc<Kernel>,
    clock: Option<&DemoClock>,
) -> Result<Vec<&'static str>> {
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
    decisions(k, &people).await?;
    let book = ledger::Ledger::start(std::sync::Arc::clone(k));
    hours(k, &people).await?;
    // The money first: its past is dated in the past, before the board's bounties of today.
    credit(k, &book, &people, clock).await?;
    tasks(k, &book, &people).await?;
    intents(&book, &people).await?;
    ideas(k, &people).await?;
    budget(&book, &people).await?;
    if let Some(c) = clock {
        c.days_ago(0.0);
    }
    let _ = (kofi, lucia);
    Ok(PEOPLE.iter().map(|(h, _)| *h).collect())
}

fn vote(fields: serde_json::Value) -> decide::model::NewVote {
    serde_json::from_value(fields).expect("a demo vote is well formed")
}

fn new_poll(fields: serde_json::Value) -> decide::model::NewPoll {
    serde_json::from_value(fields).expect("a demo poll is well formed")
}

/// The garden decides with the decide tool: an open proposal under discussion, an open
/// ranked vote that needs rounds, a closed choice with its outcome, a closed meeting poll, a
/// delegation, and a motion.
async fn decisions(k: &Kernel, people: &[Actor]) -> Result<()> {
    use decide::service;
    use serde_json::json;
    let by = |handle: &str| {
        people
            .iter()
            .find(|p| p.handle == handle)
            .expect("a demo person")
    };
    let amara = by("amara");
    groups::set_tool(k, amara, "garden", "decide", true).await?;

    let strip = service::create_poll(
        k,
        amara,
        "garden",
        new_poll(json!({
            "title": "Plant a pollinator strip along the fence?",
            "details": "Wildflowers along the north fence: seeds cost about 40, and we lose the nettle corner.",
            "kind": "proposal",
            "reasons": "required_against",
        })),
    )
    .await?;
    for (who, stance, reason) in [
        ("bruno", "agree", "More bees, better beans."),
        ("chen", "abstain", ""),
        (
            "dana",
            "disagree",
            "The nettles feed the butterflies; keep a corner of them.",
        ),
    ] {
        let mut fields = json!({"stance": stance});
        if !reason.is_empty() {
            fields["reason"] = json!(reason);
        }
        service::vote(k, by(who), strip.id, vote(fields)).await?;
    }
    kernel::comments::create(
        k,
        by("hana"),
        kernel::comments::NewComment {
            subject_type: "poll".into(),
            subject_id: strip.id.to_string(),
            body: "We could keep the nettles at the east end. @dana would that do?".into(),
            parent: None,
        },
    )
    .await?;

    let bed = service::create_poll(
        k,
        amara,
        "garden",
        new_poll(json!({
            "title": "What goes in the spare bed this spring?",
            "kind": "ranked",
            "method": "irv",
            "options": ["Tomatoes", "Squash", "Beans", "Garlic"],
        })),
    )
    .await?;
    for (who, ranking) in [
        ("bruno", json!(["Beans", "Squash"])),
        ("chen", json!(["Tomatoes", "Garlic", "Beans"])),
        ("dana", json!(["Squash", "Beans", "Tomatoes"])),
        ("hana", json!(["Garlic", "Beans"])),
        ("ines", json!(["Tomatoes", "Beans"])),
    ] {
        service::vote(k, by(who), bed.id, vote(json!({ "ranking": ranking }))).await?;
    }

    let day = service::create_poll(
        k,
        amara,
        "garden",
        new_poll(json!({
            "title": "Which compost bins do we buy?",
            "kind": "choice",
            "options": ["Three wooden bays", "Two plastic tumblers"],
        })),
    )
    .await?;
    for (who, choice) in [
        ("bruno", "Three wooden bays"),
        ("chen", "Three wooden bays"),
        ("dana", "Two plastic tumblers"),
        ("hana", "Three wooden bays"),
    ] {
        service::vote(k, by(who), day.id, vote(json!({ "choices": [choice] }))).await?;
    }
    service::close(k, amara, day.id).await?;
    service::state_outcome(
        k,
        amara,
        day.id,
        decide::model::NewOutcome {
            statement: "Three wooden bays, built at the March work day from pallet wood.".into(),
            review_at: Some(k.now().plus_seconds(180 * 86_400)),
        },
    )
    .await?;

    let start = k.now().plus_seconds(10 * 86_400);
    let start = kernel::Timestamp(start.0 - start.0 % (3600 * 1_000_000));
    let meet = service::create_poll(
        k,
        amara,
        "garden",
        new_poll(json!({
            "title": "Spring work day",
            "kind": "meeting",
            "duration_minutes": 180,
            "options": [start, start.plus_seconds(86_400), start.plus_seconds(2 * 86_400)],
        })),
    )
    .await?;
    for (who, slots) in [
        ("bruno", json!({"0": "yes", "1": "maybe", "2": "no"})),
        ("chen", json!({"0": "no", "1": "yes", "2": "yes"})),
        ("hana", json!({"0": "yes", "1": "yes", "2": "maybe"})),
    ] {
        service::vote(k, by(who), meet.id, vote(json!({ "slots": slots }))).await?;
    }
    service::close(k, amara, meet.id).await?;

    decide::delegation::delegate(
        k,
        by("ines"),
        "garden",
        decide::model::DelegationRequest {
            to: "hana".into(),
            tag: None,
        },
    )
    .await?;
    service::open_motion(
        k,
        by("hana"),
        "garden",
        serde_json::from_value(json!({
            "title": "Spend 120 on a second wheelbarrow",
            "details": "The old one has a flat tyre every other week.",
            "pass_rule": "majority",
        }))
        .expect("a demo motion is well formed"),
    )
    .await?;
    Ok(())
}

/// The garden's hours: a mutual credit (floor -20, ceiling 50) and an account for each of
/// the members who trade.
async fn hours(k: &std::sync::Arc<Kernel>, people: &[Actor]) -> Result<()> {
    use serde_json::json;
    let by = |handle: &str| {
        people
            .iter()
            .find(|p| p.handle == handle)
            .expect("a demo person")
    };
    let amara = by("amara");
    let hours = ledger::service::create_currency(
        k,
        amara,
        "garden",
        serde_json::from_value(json!({"code": "HOURS", "name": "Garden hours",
            "kind": "mutual_credit", "scale": 2, "default_floor": "-20", "default_ceiling": "50"}))
        .map_err(Error::internal)?,
    )
    .await?;
    for who in ["amara", "bruno", "chen", "dana", "hana"] {
        ledger::service::open_account(
            k,
            by(who),
            hours.id,
            serde_json::from_value(json!({})).map_err(Error::internal)?,
        )
        .await?;
    }
    Ok(())
}

/// Offers and requests in the garden and the network: matches near and far (one shared
/// across the two public groups), requests with bounties, one committed and one fulfilled
/// and paid, and a followed tag.
async fn intents(book: &ledger::Ledger, people: &[Actor]) -> Result<()> {
    use intents::model::{NewIntent, NewResponse};
    use intents::{responses, service};
    use serde_json::json;
    let k = book.kernel();
    let by = |handle: &str| {
        people
            .iter()
            .find(|p| p.handle == handle)
            .expect("a demo person")
    };
    let amara = by("amara");
    for group in ["garden", "riverside"] {
        groups::set_tool(k, amara, group, "intents", true).await?;
    }
    let post = |who: &'static str, group: &'static str, fields: serde_json::Value| async move {
        let input: NewIntent = serde_json::from_value(fields).map_err(Error::internal)?;
        Ok::<_, Error>(
            service::create_intent(book, by(who), group, input, None)
                .await?
                .0,
        )
    };
    let days = |n: i64| k.now().plus_seconds(n * 86_400).to_rfc3339();
    // Near the garden (51.507, -0.128), and a little way off.
    post(
        "bruno",
        "garden",
        json!({"kind": "offer", "title": "Bike repairs on Sunday mornings",
        "description": "Punctures, brakes and gears. Bring the bike to the shed.",
        "tags": ["bikes", "repair"], "quantity": 3, "unit": "hours", "item": "service",
        "location": {"name": "The garden shed", "lat": 51.5079, "lon": -0.1283}}),
    )
    .await?;
    post(
        "chen",
        "garden",
        json!({"kind": "offer", "title": "Surplus courgettes",
        "description": "More than we can eat: come and pick them.",
        "tags": ["vegetables", "courgettes"], "quantity": 5, "unit": "kg", "item": "good",
        "location": {"name": "Bed 7", "lat": 51.5074, "lon": -0.1279}, "until": days(10)}),
    )
    .await?;
    post(
        "amara",
        "garden",
        json!({"kind": "offer", "title": "Carpentry lessons",
        "description": "Joints, frames and how to keep a saw sharp.",
        "tags": ["carpentry", "woodwork"], "item": "service",
        "location": {"name": "Riverside workshop", "lat": 51.4996, "lon": -0.1100}}),
    )
    .await?;
    post(
        "dana",
        "garden",
        json!({"kind": "request", "title": "Help building a cold frame",
        "description": "Old windows and some timber; two pairs of hands for an afternoon.",
        "tags": ["carpentry", "building"], "quantity": 4, "unit": "hours",
        "location": {"name": "Bed 3", "lat": 51.5071, "lon": -0.1276}, "until": days(14),
        "bounty": {"currency": "HOURS", "amount": "5"}}),
    )
    .await?;
    let puncture = post(
        "hana",
        "garden",
        json!({"kind": "request", "title": "Fix a puncture",
        "description": "My back tyre is flat again.", "tags": ["bikes"],
        "location": {"name": "Canal path", "lat": 51.5120, "lon": -0.1180},
        "bounty": {"currency": "HOURS", "amount": "3"}}),
    )
    .await?;
    let reply = responses::respond(
        k,
        by("bruno"),
        puncture.id,
        NewResponse {
            message: Some("Bring it on Sunday, I'll have a patch kit.".into()),
        },
    )
    .await?;
    responses::accept(k, by("hana"), reply.id).await?;
    let compost = post(
        "amara",
        "garden",
        json!({"kind": "request", "title": "A barrow of compost for the herb bed",
        "tags": ["compost"], "bounty": {"currency": "HOURS", "amount": "2"}}),
    )
    .await?;
    let reply = responses::respond(k, by("dana"), compost.id, NewResponse::default()).await?;
    responses::accept(k, amara, reply.id).await?;
    responses::fulfil(book, by("dana"), compost.id).await?;
    responses::fulfil(book, amara, compost.id).await?;
    // Shared across the network: seed potatoes wanted in the garden, offered in Riverside.
    post(
        "ines",
        "riverside",
        json!({"kind": "offer", "title": "Seed potatoes, Charlotte",
        "tags": ["potatoes", "seeds"], "quantity": 2, "unit": "kg", "item": "good", "public": true,
        "location": {"name": "Allotment 12", "lat": 51.4700, "lon": -0.1500}}),
    )
    .await?;
    post(
        "chen",
        "garden",
        json!({"kind": "request", "title": "Seed potatoes for bed 9",
        "tags": ["potatoes"], "public": true, "until": days(20),
        "location": {"name": "Bed 9", "lat": 51.5075, "lon": -0.1282}}),
    )
    .await?;
    service::set_follow(k, by("hana"), "repair", true).await?;
    Ok(())
}

/// The garden brainstorms with the ideas tool: a lively wiki-survey on the empty lot (ideas
/// by tag, endorsements, dots, a comment, a merged duplicate, 150 answers from six people,
/// and its best three put to a ranked poll), and an anonymous board on meetings.
/// The garden's budgeting: a cobudget round paid from the cash box (one bucket funded and
/// paid, one part-way), a vote round counted by the Method of Equal Shares, and a quadratic
/// round matching gifts live — one running round of each mechanism.
async fn budget(book: &ledger::Ledger, people: &[Actor]) -> Result<()> {
    use budget::model::{NewBallot, NewBucket, NewContribution, NewPayout, NewRound};
    use budget::service;
    use serde_json::json;
    let k = book.kernel();
    let by = |handle: &str| {
        people
            .iter()
            .find(|p| p.handle == handle)
            .expect("a demo person")
    };
    let amara = by("amara");
    let money = budget::Money {
        ledger: book.clone(),
        pools: Some(std::sync::Arc::new(credit::port::CreditPools)),
    };
    groups::set_tool(k, amara, "garden", "budget", true).await?;
    let cash = credit::pools::list(k, Some(amara), "garden")
        .await?
        .into_iter()
        .find(|p| p.name == "Cash box")
        .ok_or(Error::NotFound("pool"))?;
    let round = |body: serde_json::Value| -> Result<NewRound> {
        serde_json::from_value(body).map_err(Error::internal)
    };
    let bucket = |title: &str, text: &str, items: serde_json::Value| -> Result<NewBucket> {
        serde_json::from_value(json!({"title": title, "description": text, "items": items}))
            .map_err(Error::internal)
    };
    let give = |amount: &str| NewContribution {
        amount: ledger::Decimal(amount.into()),
    };

    // Cobudget: everyone distributes 15 euros of the cash box.
    let spring = service::create_round(
        &money,
        amara,
        "garden",
        round(json!({
            "title": "Spring projects", "currency": "EUR", "mechanism": "cobudget",
            "allocation": "15", "max_per_bucket": "10", "pool": cash.id.to_string(), "budget": "60",
            "description": "Fifteen euros each from the cash box: give them to what you want to see this spring.",
            "guidelines": ["Open to every neighbour", "Done by the summer"]}))?,
    )
    .await?;
    let bed = service::create_bucket(
        k,
        by("chen"),
        spring.id,
        bucket(
            "Raised bed for the school",
            "A bed each class can reach from the path, with good soil.",
            json!([{"name": "Timber", "min": "30", "max": "40"}, {"name": "Soil", "min": "10", "max": "15"}]),
        )?,
    )
    .await?;
    let spiral = service::create_bucket(
        k,
        by("dana"),
        spring.id,
        bucket(
            "Herb spiral",
            "Stones from the old wall and a dozen herbs.",
            json!([{"name": "Plants", "min": "12", "max": "18"}, {"name": "Mortar", "min": "8"}]),
        )?,
    )
    .await?;
    service::create_bucket(
        k,
        by("bruno"),
        spring.id,
        bucket(
            "Rain barrel",
            "For the far beds.",
            json!([{"name": "Barrel", "min": "25"}]),
        )?,
    )
    .await?;
    for who in ["amara", "bruno", "chen", "hana"] {
        service::contribute(&money, by(who), bed.id, give("10"), None).await?;
    }
    for (who, amount) in [("dana", "6"), ("ines", "5"), ("bruno", "3")] {
        service::contribute(&money, by(who), spiral.id, give(amount), None).await?;
    }
    service::payout(
        &money,
        by("chen"),
        bed.id,
        NewPayout {
            amount: ledger::Decimal("28.50".into()),
            to: None,
            item: Some("Timber".into()),
            memo: Some("Larch boards from the sawmill".into()),
        },
        None,
    )
    .await?;

    // A vote: choose tools worth at least half of 40 hours, counted by equal shares.
    let tools = service::create_round(
        &money,
        amara,
        "garden",
        round(json!({
            "title": "Shared tools", "currency": "HOURS", "mechanism": "vote", "budget": "40",
            "threshold_pct": 50, "vote_rule": "equal_shares",
            "description": "Which tools should the garden's hours buy? Results when it closes."}))?,
    )
    .await?;
    let mut options = Vec::new();
    for (title, cost) in [
        ("Wheelbarrow", "15"),
        ("Seed drill", "25"),
        ("Pruning kit", "10"),
        ("Compost sieve", "8"),
    ] {
        options.push(
            service::create_bucket(
                k,
                by("hana"),
                tools.id,
                bucket(title, "", json!([{"name": title, "min": cost}]))?,
            )
            .await?
            .id,
        );
    }
    for (who, picks) in [
        ("amara", vec![0, 2, 3]),
        ("bruno", vec![1, 2]),
        ("chen", vec![0, 2]),
        ("dana", vec![1, 3]),
        ("ines", vec![0, 3]),
    ] {
        let buckets = picks.iter().map(|&i| options[i].to_string()).collect();
        service::cast_ballot(k, by(who), tools.id, NewBallot { buckets }).await?;
    }

    // Quadratic: many small gifts draw more of the 30-hour matching fund.
    let fund = service::create_round(
        &money,
        amara,
        "garden",
        round(json!({
            "title": "Neighbourhood matching fund", "currency": "HOURS", "mechanism": "quadratic",
            "budget": "30", "pairwise": true,
            "description": "Give what you like; the fund matches broad support more than big gifts."}))?,
    )
    .await?;
    let mural = service::create_bucket(
        k,
        by("ines"),
        fund.id,
        bucket(
            "Mural on the shed",
            "Children paint the shed wall.",
            json!([{"name": "Paint", "min": "20"}]),
        )?,
    )
    .await?;
    let oven = service::create_bucket(
        k,
        by("bruno"),
        fund.id,
        bucket(
            "Cob pizza oven",
            "For the summer feast.",
            json!([{"name": "Clay and straw", "min": "40"}]),
        )?,
    )
    .await?;
    for who in ["amara", "chen", "dana", "hana", "ines"] {
        service::contribute(&money, by(who), mural.id, give("1"), None).await?;
    }
    service::contribute(&money, by("bruno"), oven.id, give("8"), None).await?;
    Ok(())
}

async fn ideas(k: &std::sync::Arc<Kernel>, people: &[Actor]) -> Result<()> {
    use ideas::model::{NewBoard, NewComparison, NewIdea, Promote, Winner};
    use ideas::service;
    use serde_json::json;
    let by = |handle: &str| {
        people
            .iter()
            .find(|p| p.handle == handle)
            .expect("a demo person")
    };
    let amara = by("amara");
    groups::set_tool(k, amara, "garden", "ideas", true).await?;
    let board: NewBoard = serde_json::from_value(json!({
        "question": "How should we use the empty lot next spring?",
        "details": "The council lets us have it from March. Add ideas, endorse the ones you like, and compare them two at a time.",
        "pairwise": true,
        "dots": 5,
    }))
    .map_err(Error::internal)?;
    let lot = service::create_board(k, amara, "garden", board).await?;
    let mut ids = Vec::new();
    // In the order the neighbourhood prefers them, best first.
    for (who, title, text, tags) in [
        (
            "chen",
            "Raised beds for the school",
            "Each class gets a bed and a season.",
            vec!["food", "children"],
        ),
        (
            "bruno",
            "A community orchard",
            "Apples, pears and plums: planted once, shared for decades.",
            vec!["food", "trees"],
        ),
        (
            "hana",
            "Pollinator meadow",
            "Wildflowers along the fence for the bees.",
            vec!["nature"],
        ),
        (
            "dana",
            "Tool library shed",
            "Lend spades, mowers and ladders from one shed.",
            vec!["sharing"],
        ),
        (
            "amara",
            "Outdoor kitchen",
            "A clay oven and a long table for shared meals.",
            vec!["food", "events"],
        ),
        (
            "bruno",
            "Rain water tanks",
            "Catch the shed roof's water for the beds.",
            vec!["water", "nature"],
        ),
        ("dana", "A playground corner", "", vec!["children"]),
        (
            "ines",
            "Compost hub for the street",
            "",
            vec!["sharing", "soil"],
        ),
        ("hana", "Parking for the market van", "", vec![]),
    ] {
        let idea: NewIdea =
            serde_json::from_value(json!({"title": title, "text": text, "tags": tags}))
                .map_err(Error::internal)?;
        ids.push(service::create_idea(k, by(who), lot.id, idea).await?.id);
    }
    let dup: NewIdea = serde_json::from_value(json!({"title": "Fruit trees", "tags": ["trees"]}))
        .map_err(Error::internal)?;
    let dup = service::create_idea(k, by("ines"), lot.id, dup).await?.id;
    for (who, idea) in [
        ("amara", 0),
        ("bruno", 0),
        ("dana", 1),
        ("chen", 1),
        ("hana", 2),
        ("ines", 0),
    ] {
        service::endorse(k, by(who), ids[idea], true).await?;
    }
    service::endorse(k, by("chen"), dup, true).await?;
    for (who, idea, dots) in [
        ("chen", 0, 3),
        ("chen", 2, 2),
        ("dana", 6, 5),
        ("hana", 5, 2),
        ("hana", 1, 3),
    ] {
        service::set_dots(k, by(who), ids[idea], dots).await?;
    }
    service::merge(k, amara, dup, ids[1]).await?;
    kernel::comments::create(
        k,
        by("ines"),
        kernel::comments::NewComment {
            subject_type: ideas::model::SUBJECT.into(),
            subject_id: ids[0].to_string(),
            body: "The school said yes in principle — @chen can you ask about watering in August?"
                .into(),
            parent: None,
        },
    )
    .await?;
    // Six people answer twenty-five pairs each: mostly by the order above, sometimes not, now and
    // then "I can't decide" (a fixed sequence, so every demo is the same).
    let surveys = ideas::Surveys::default();
    let mut noise: u64 = 2026;
    let place = |id: ideas::model::IdeaId| ids.iter().position(|i| *i == id).unwrap_or(ids.len());
    for who in ["amara", "bruno", "chen", "dana", "hana", "ines"] {
        for _ in 0..25 {
            let pair = service::pair(k, &surveys, by(who), lot.id).await?;
            noise = noise
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let roll = (noise >> 33) % 100;
            let left_better = place(pair.left.id) < place(pair.right.id);
            let winner = match roll {
                0..=5 => Winner::None,
                6..=22 => {
                    if left_better {
                        Winner::Right
                    } else {
                        Winner::Left
                    }
                }
                _ => {
                    if left_better {
                        Winner::Left
                    } else {
                        Winner::Right
                    }
                }
            };
            let answer = NewComparison {
                token: pair.token,
                winner,
            };
            service::compare(k, by(who), lot.id, answer).await?;
        }
    }
    let promote: Promote =
        serde_json::from_value(json!({"top": 3, "kind": "ranked"})).map_err(Error::internal)?;
    service::promote(k, &surveys, amara, lot.id, promote).await?;

    let meetings: NewBoard = serde_json::from_value(json!({
        "question": "What would make our meetings better?",
        "anonymous": true,
    }))
    .map_err(Error::internal)?;
    let meetings = service::create_board(k, by("dana"), "garden", meetings).await?;
    for (who, title) in [
        ("bruno", "Start on time, end on time"),
        ("hana", "A rotating facilitator"),
        ("ines", "Agenda out two days before"),
    ] {
        let idea: NewIdea = serde_json::from_value(json!({"title": title, "tags": ["meetings"]}))
            .map_err(Error::internal)?;
        service::create_idea(k, by(who), meetings.id, idea).await?;
    }
    Ok(())
}

/// The garden's spring board: cards in every column, some
/// waiting for others, custom fields, checklists, one bounty held and one paid.
async fn tasks(k: &std::sync::Arc<Kernel>, book: &ledger::Ledger, people: &[Actor]) -> Result<()> {
    use serde_json::json;
    use tasks::model::{CardChange, NewBoard, NewCard};
    use tasks::service;
    let by = |handle: &str| {
        people
            .iter()
            .find(|p| p.handle == handle)
            .expect("a demo person")
    };
    let amara = by("amara");
    groups::set_tool(k, amara, "garden", "tasks", true).await?;
    let board = service::create_board(
        k,
        amara,
        "garden",
        serde_json::from_value::<NewBoard>(json!({
            "name": "Spring in the garden",
            "fields": [{"name": "Effort", "type": "choice", "choices": ["small", "medium", "large"]},
                       {"name": "Hours", "type": "number"}],
        }))
        .map_err(Error::internal)?,
    )
    .await?;
    let soon = |days: i64| {
        k.now()
            .plus_seconds(days * 86_400)
            .to_datetime()
            .format("%Y-%m-%d")
            .to_string()
    };
    let card = |who: &'static str, fields: serde_json::Value| {
        let book = book.clone();
        async move {
            let input: NewCard = serde_json::from_value(fields).map_err(Error::internal)?;
            service::create_card(&book, by(who), board.id, input).await
        }
    };
    let beds = card(
        "amara",
        json!({"title": "Dig over the raised beds", "assignees": ["bruno", "dana"], "due": soon(5),
               "labels": ["soil"], "fields": {"effort": "large", "hours": 6},
               "checklists": [{"name": "Before", "items": [{"text": "Borrow the second fork", "done": true},
                                                          {"text": "Order manure"}]}]}),
    )
    .await?;
    card(
        "hana",
        json!({"title": "Sow the beans", "assignees": ["hana"], "labels": ["planting"],
               "blocked_by": [beds.id], "due": soon(12), "fields": {"effort": "small"}}),
    )
    .await?;
    card(
        "chen",
        json!({"title": "Fix the leaking water butt", "description": "The tap at the shed end drips; a new washer should do.",
               "assignees": ["chen"], "column": "Doing", "labels": ["repairs"], "fields": {"hours": 1.5}}),
    )
    .await?;
    let fence = card(
        "amara",
        json!({"title": "Paint the north fence", "assignees": ["dana"], "column": "Doing",
               "labels": ["repairs"], "bounty": {"currency": "HOURS", "amount": "4"},
               "description": "Two coats of the green stain in the shed."}),
    )
    .await?;
    service::update_card(
        book,
        by("dana"),
        fence.id,
        CardChange {
            column: Some("Review".into()),
            ..CardChange::default()
        },
    )
    .await?;
    let bins = card(
        "amara",
        json!({"title": "Build the three compost bays", "assignees": ["bruno"], "column": "Review",
               "labels": ["compost"], "bounty": {"currency": "HOURS", "amount": "6"},
               "fields": {"effort": "large", "hours": 8}}),
    )
    .await?;
    service::update_card(
        book,
        by("hana"),
        bins.id,
        CardChange {
            column: Some("Done".into()),
            ..CardChange::default()
        },
    )
    .await?;
    card(
        "dana",
        json!({"title": "Put up the bee hotel", "labels": ["wildlife"], "due": soon(20)}),
    )
    .await?;
    card(
        "bruno",
        json!({"title": "Sharpen the shears", "assignees": ["bruno"], "column": "Done", "labels": ["tools"]}),
    )
    .await?;
    kernel::comments::create(
        k,
        by("dana"),
        kernel::comments::NewComment {
            subject_type: "card".into(),
            subject_id: fence.id.to_string(),
            body: "Both coats done. @amara could you have a look before the rain?".into(),
            parent: None,
        },
    )
    .await?;
    Ok(())
}

/// A clock `weft demo` may turn back: the system's time less an offset, so the garden's
/// hours can have months of trade and dues behind them. At rest it is the system's clock.
#[derive(Clone, Default)]
pub struct DemoClock(std::sync::Arc<std::sync::atomic::AtomicI64>);

impl DemoClock {
    /// Turns the clock back to `days` ago (0: now again).
    pub fn days_ago(&self, days: f64) {
        let micros = (days * 86_400.0 * kernel::Timestamp::MICROS_PER_SECOND as f64) as i64;
        self.0.store(micros, std::sync::atomic::Ordering::SeqCst);
    }
}

impl kernel::Clock for DemoClock {
    fn now(&self) -> kernel::Timestamp {
        let now = kernel::SystemClock.now();
        kernel::Timestamp(now.0 - self.0.load(std::sync::atomic::Ordering::SeqCst))
    }
}

/// A 1×1 PNG: the demo's receipt.
const RECEIPT: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82";

/// The garden's money: four months of trade in its hours, monthly dues into the garden fund
/// (paid, marked paid outside Weft, one behind), a tool library spent by two of three
/// approvers (one spend waiting), a commons spent by decision (one vote open), expense
/// claims with a receipt (one paid, one waiting), a payment request, and the cash box of
/// tracked euros with a deposit and a payout. With `clock`, the past is dated in the past.
async fn credit(
    k: &std::sync::Arc<Kernel>,
    book: &ledger::Ledger,
    people: &[Actor],
    clock: Option<&DemoClock>,
) -> Result<()> {
    use credit::model::*;
    use serde_json::json;
    let by = |handle: &str| {
        people
            .iter()
            .find(|p| p.handle == handle)
            .expect("a demo person")
    };
    let back = |days: f64| {
        if let Some(c) = clock {
            c.days_ago(days);
        }
    };
    let amara = by("amara");
    let hours = ledger::service::list_currencies(k, amara, "garden")
        .await?
        .into_iter()
        .find(|c| c.code == "HOURS")
        .ok_or(Error::NotFound("currency"))?;
    let mine = |who: &str| {
        let who = by(who).clone();
        async move {
            ledger::service::my_accounts(k, &who).await.map(|a| {
                a.into_iter()
                    .find(|a| a.currency_id == hours.id)
                    .map(|a| a.id)
            })
        }
    };
    // Four months of trade: who pays whom, for what, a few times a week.
    let trades = [
        ("bruno", "chen", "1.5", "Help with the bike trailer"),
        ("chen", "dana", "2", "Seedlings for the beds"),
        ("dana", "hana", "1", "A jar of plum jam"),
        ("hana", "amara", "3", "Pruning the apple trees"),
        ("amara", "bruno", "2.5", "Fixing the shed door"),
        ("chen", "bruno", "1", "Borrowed the long ladder"),
        ("dana", "amara", "2", "Childcare on Saturday"),
        ("bruno", "hana", "1.5", "Sourdough lesson"),
        ("hana", "chen", "2", "Watering while away"),
        ("amara", "dana", "1", "Herbs from the spiral"),
    ];
    // Time only goes forward: every event below happens at `at!(days ago)`, after the trades
    // that came before it (a currency's transfers are in the order of their times).
    let mut step = 0usize;
    let mut day = 121.0_f64;
    macro_rules! at {
        ($wanted:expr) => {{
            let wanted: f64 = $wanted;
            let target = day.min(wanted);
            while step < 40 && 120.0 - step as f64 * 3.0 > target {
                let days = 120.0 - step as f64 * 3.0;
                back(days);
                let (from, to, amount, memo) = trades[(step * 7 + step / 3) % trades.len()];
                step += 1;
                if let (Some(f), Some(t)) = (mine(from).await?, mine(to).await?) {
                    // A trade a floor or ceiling refuses is simply not made.
                    let _ = ledger::service::transfer(
                        book,
                        by(from),
                        ledger::NewTransfer {
                            from: f,
                            to: t,
                            amount: ledger::Decimal(amount.into()),
                            memo: Some(memo.into()),
                            pending: false,
                            timeout_s: None,
                        },
                        None,
                    )
                    .await;
                }
            }
            day = target - 0.001;
            back(target);
        }};
    }

    // Monthly dues into the garden fund, for members (not the owner), over three months.
    at!(100.0);
    let dues = credit::dues::create(
        book,
        amara,
        "garden",
        serde_json::from_value(json!({
            "name": "Garden membership", "currency": "HOURS", "amount": "2", "interval": "monthly",
            "starts_at": k.now().plus_seconds(4 * 86_400).to_rfc3339(), "roles": ["member"]}))
        .map_err(Error::internal)?,
    )
    .await?;
    for cycle in 0..4 {
        let schedule = credit::dues::list(k, amara, "garden")
            .await?
            .into_iter()
            .find(|d| d.id == dues.id)
            .ok_or(Error::NotFound("dues"))?;
        let due_at = schedule.next_due_at;
        // How many days before today the cycle falls due.
        let ago = due_at.seconds_until(kernel::SystemClock.now()) as f64 / 86_400.0;
        if clock.is_some() {
            if ago < 3.0 {
                break;
            }
            at!(ago + 3.0);
        } else if cycle > 0 {
            break;
        }
        credit::dues::run_cycle(k, dues.id, due_at.0).await?;
        at!(ago - 1.0);
        for o in credit::dues::obligations(k, amara, dues.id).await? {
            if o.state != ObligationState::Open {
                continue;
            }
            match o.member.handle.as_str() {
                "bruno" | "chen" => {
                    credit::dues::pay(book, by(&o.member.handle), o.id, None).await?;
                }
                "dana" if cycle < 2 => {
                    credit::dues::pay(book, by("dana"), o.id, None).await?;
                }
                "ines" => {
                    credit::dues::mark_paid(
                        book,
                        amara,
                        o.id,
                        Note {
                            note: Some("Paid in seed potatoes at the swap".into()),
                        },
                        None,
                    )
                    .await?;
                }
                _ => {}
            }
        }
    }

    // The tool library: two of three approvers; one spend waiting for its second approval.
    at!(3.5);
    let library = credit::pools::create(
        book,
        amara,
        "garden",
        serde_json::from_value(json!({
            "name": "Tool library", "currency": "HOURS", "rule": "approvals",
            "approvers": ["amara", "chen", "dana"], "required": 2,
            "description": "Shared tools: buying, mending, replacing.",
            "budget": {"tools": "20", "repairs": "8"}}))
        .map_err(Error::internal)?,
    )
    .await?;
    for (who, amount) in [("bruno", "6"), ("hana", "5"), ("chen", "4")] {
        credit::pools::contribute(
            book,
            by(who),
            library.id,
            NewDeposit {
                amount: ledger::Decimal(amount.into()),
                memo: "For the tool library".into(),
            },
            None,
        )
        .await?;
    }
    at!(3.0);
    let (sharpener, _) = credit::pools::spend(
        book,
        by("dana"),
        library.id,
        serde_json::from_value(json!({"to": mine("bruno").await?.map(|a| a.to_string()),
            "amount": "3", "memo": "Sharpening every blade", "category": "repairs"}))
        .map_err(Error::internal)?,
        None,
    )
    .await?;
    credit::pools::approve(book, amara, library.id, sharpener.transfer.id).await?;
    credit::pools::approve(book, by("chen"), library.id, sharpener.transfer.id).await?;
    at!(2.0);
    let (loppers, _) = credit::pools::spend(
        book,
        by("bruno"),
        library.id,
        serde_json::from_value(json!({"to": mine("chen").await?.map(|a| a.to_string()),
            "amount": "5", "memo": "New loppers (Chen found them second-hand)", "category": "tools"}))
        .map_err(Error::internal)?,
        None,
    )
    .await?;
    credit::pools::approve(book, amara, library.id, loppers.transfer.id).await?;

    // Expense claims on the garden fund: one paid with its receipt, one waiting.
    let fund = credit::pools::list(k, Some(amara), "garden")
        .await?
        .into_iter()
        .find(|p| p.name == "Garden membership")
        .ok_or(Error::NotFound("pool"))?;
    at!(1.5);
    let hinges = credit::expenses::create(
        book,
        by("dana"),
        fund.id,
        NewExpense {
            amount: ledger::Decimal("2".into()),
            description: "Hinges for the compost bays".into(),
            category: Some("repairs".into()),
            draft: true,
        },
    )
    .await?;
    credit::expenses::add_receipt(
        k,
        by("dana"),
        hinges.id,
        kernel::files::NewFile {
            subject_type: String::new(),
            subject_id: String::new(),
            name: "hinges-receipt.png".into(),
            claimed_type: Some("image/png".into()),
            bytes: RECEIPT.to_vec(),
        },
    )
    .await?;
    credit::expenses::submit(book, by("dana"), hinges.id).await?;
    credit::expenses::approve(k, amara, hinges.id).await?;
    credit::expenses::pay(book, by("hana"), hinges.id, None).await?;
    at!(1.0);
    credit::expenses::create(
        book,
        by("chen"),
        fund.id,
        NewExpense {
            amount: ledger::Decimal("1.5".into()),
            description: "Twine and labels for the seedlings".into(),
            category: Some("supplies".into()),
            draft: false,
        },
    )
    .await?;

    // The commons, spent by decision: a bench by the pond, put to a vote.
    at!(0.5);
    let commons = credit::pools::create(
        book,
        amara,
        "garden",
        serde_json::from_value(json!({
            "name": "Garden commons", "currency": "HOURS", "rule": "decision",
            "description": "Bigger things the whole garden decides on."}))
        .map_err(Error::internal)?,
    )
    .await?;
    for who in ["amara", "hana"] {
        credit::pools::contribute(
            book,
            by(who),
            commons.id,
            NewDeposit {
                amount: ledger::Decimal("4".into()),
                memo: "Towards the bench".into(),
            },
            None,
        )
        .await?;
    }
    at!(0.0);
    let _ = day;
    credit::pools::spend(
        book,
        by("hana"),
        commons.id,
        serde_json::from_value(json!({"to": mine("bruno").await?.map(|a| a.to_string()),
            "amount": "6", "memo": "Bruno builds a bench by the pond",
            "closes_at": k.now().plus_seconds(5 * 86_400).to_rfc3339()}))
        .map_err(Error::internal)?,
        None,
    )
    .await?;

    // A payment request waiting for bruno.
    credit::payments::request(
        book,
        by("chen"),
        NewPaymentRequest {
            from: "bruno".into(),
            to: mine("chen").await?.ok_or(Error::NotFound("account"))?,
            amount: ledger::Decimal("1.5".into()),
            memo: "Jam jars for the market stall".into(),
        },
    )
    .await?;

    // The cash box of tracked euros: a plant sale in, the hardware store out.
    let euros = ledger::service::create_currency(
        k,
        amara,
        "garden",
        serde_json::from_value(
            json!({"code": "EUR", "name": "Garden euros", "kind": "tracked",
            "scale": 2, "symbol": "€"}),
        )
        .map_err(Error::internal)?,
    )
    .await?;
    let cash = credit::pools::create(
        book,
        amara,
        "garden",
        serde_json::from_value(json!({"name": "Cash box", "currency": euros.id.to_string(),
            "rule": "admins", "description": "The euros in the tin in the shed.",
            "budget": {"hardware": "60", "plants": "40"}}))
        .map_err(Error::internal)?,
    )
    .await?;
    credit::pools::deposit(
        book,
        amara,
        cash.id,
        NewDeposit {
            amount: ledger::Decimal("120".into()),
            memo: "Spring plant sale".into(),
        },
        None,
    )
    .await?;
    credit::pools::spend(
        book,
        amara,
        cash.id,
        serde_json::from_value(json!({"to": "outside", "payee": "Riverside Hardware",
            "amount": "34.90", "memo": "Screws, hinges and wood stain", "category": "hardware"}))
        .map_err(Error::internal)?,
        None,
    )
    .await?;
    Ok(())
}
