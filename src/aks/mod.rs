//! AKS cluster definitions (KH6xx): the cluster settings written in ARM/Bicep templates,
//! Terraform and `az aks` command lines, read with their positions.

pub mod arm;
pub mod bicep;
pub mod cli;
pub mod model;
pub mod terraform;
pub mod tree;
pub mod versions;
