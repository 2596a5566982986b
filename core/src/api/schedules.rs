//! Crons and generators: workflows started on a schedule or by packed arguments.

use crate::client::Client;
use crate::error::Result;
use crate::messages::{self, List};
use crate::resources::{Cron, Generator};

impl Client {
    // --- Crons --------------------------------------------------------------------------------

    /// Adds a cron; the server fills in its ID and initiator. Its workflow runs in the cron's
    /// colony unless it names another, and so do the workflow's nodes.
    pub async fn add_cron(&self, cron: &Cron) -> Result<Cron> {
        let mut cron = cron.clone();
        cron.workflowspec = cron
            .workflowspec
            .take()
            .map(|workflow| workflow.with_defaults(&cron.colonyname));
        self.call(&messages::AddCron { cron }).await
    }

    /// A cron, by ID.
    pub async fn get_cron(&self, cronid: &str) -> Result<Cron> {
        let message = messages::GetCron {
            cronid: cronid.into(),
        };
        self.call(&message).await
    }

    /// Up to `count` crons of a colony.
    pub async fn get_crons(&self, colonyname: &str, count: u32) -> Result<Vec<Cron>> {
        let message = messages::GetCrons {
            colonyname: colonyname.into(),
            count: i64::from(count),
        };
        self.call(&message).await.map(|List(v)| v)
    }

    /// Runs a cron now.
    pub async fn run_cron(&self, cronid: &str) -> Result<Cron> {
        let message = messages::RunCron {
            cronid: cronid.into(),
        };
        self.call(&message).await
    }

    /// Removes a cron.
    pub async fn remove_cron(&self, cronid: &str) -> Result<()> {
        let message = messages::RemoveCron {
            cronid: cronid.into(),
            all: false,
        };
        self.call(&message).await.map(drop)
    }

    // --- Generators ---------------------------------------------------------------------------

    /// Adds a generator; the server fills in its ID and initiator. Its workflow runs in the
    /// generator's colony unless it names another, and so do the workflow's nodes.
    pub async fn add_generator(&self, generator: &Generator) -> Result<Generator> {
        let mut generator = generator.clone();
        generator.workflowspec = generator
            .workflowspec
            .take()
            .map(|workflow| workflow.with_defaults(&generator.colonyname));
        let message = messages::AddGenerator { generator };
        self.call(&message).await
    }

    /// A generator, by ID.
    pub async fn get_generator(&self, generatorid: &str) -> Result<Generator> {
        let message = messages::GetGenerator {
            generatorid: generatorid.into(),
        };
        self.call(&message).await
    }

    /// A generator, by colony and name.
    pub async fn resolve_generator(
        &self,
        colonyname: &str,
        generatorname: &str,
    ) -> Result<Generator> {
        let message = messages::ResolveGenerator {
            colonyname: colonyname.into(),
            generatorname: generatorname.into(),
        };
        self.call(&message).await
    }

    /// Up to `count` generators of a colony.
    pub async fn get_generators(&self, colonyname: &str, count: u32) -> Result<Vec<Generator>> {
        let message = messages::GetGenerators {
            colonyname: colonyname.into(),
            count: i64::from(count),
        };
        self.call(&message).await.map(|List(v)| v)
    }

    /// Queues an argument for a generator's next run.
    pub async fn pack_generator(&self, generatorid: &str, arg: &str) -> Result<()> {
        let message = messages::PackGenerator {
            generatorid: generatorid.into(),
            arg: arg.into(),
        };
        self.call(&message).await.map(drop)
    }

    /// Removes a generator.
    pub async fn remove_generator(&self, generatorid: &str) -> Result<()> {
        let message = messages::RemoveGenerator {
            generatorid: generatorid.into(),
            all: false,
        };
        self.call(&message).await.map(drop)
    }
}
